using System.Text.Json.Nodes;
using Sotto.TestSupport;

namespace Sotto.Protocol.Tests.Interop;

/// <summary>
/// Live interop with the real libsignal 0.103.0 (npm <c>@signalapp/libsignal-client</c>): both peers are separate
/// processes driven through the same JSON protocol, so each side only ever sees the other's bytes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LibsignalInteropTests
{
    private const int MessagesEachWay = 1_000;

    [Fact]
    public async Task SottoInitiatesAndAThousandMessagesEachWayArriveOutOfOrderWithDrops()
    {
        await using var sotto = InteropPeer.StartSotto();
        await using var libsignal = InteropPeer.StartLibsignal();
        var result = await ConverseAsync(initiator: sotto, responder: libsignal, seed: 1);
        Assert.True(result.Delivered[0] >= MessagesEachWay && result.Delivered[1] >= MessagesEachWay);
        await AssertSameSafetyNumberAsync(sotto, libsignal);
    }

    [Fact]
    public async Task LibsignalInitiatesAndAThousandMessagesEachWayArriveOutOfOrderWithDrops()
    {
        await using var libsignal = InteropPeer.StartLibsignal();
        await using var sotto = InteropPeer.StartSotto();
        var result = await ConverseAsync(initiator: libsignal, responder: sotto, seed: 2);
        Assert.True(result.Delivered[0] >= MessagesEachWay && result.Delivered[1] >= MessagesEachWay);
        await AssertSameSafetyNumberAsync(libsignal, sotto);
    }

    /// <summary>
    /// Kyber1024 (type 0x08) both ways: each library imports the other's generated Kyber prekey record (public and
    /// secret key, byte for byte), puts it in its bundle, and the other library encapsulates to it; the session
    /// works only if the importer decapsulates the other library's ciphertext with the other library's key.
    /// </summary>
    [Fact]
    public async Task KyberKeysAndCiphertextsOfEitherLibraryWorkInTheOther()
    {
        await using var sotto = InteropPeer.StartSotto();
        await using var libsignal = InteropPeer.StartLibsignal();
        await sotto.InitAsync(NewAci(), 1);
        await libsignal.InitAsync(NewAci(), 1);

        foreach (var (generator, importer, id) in new[] { (sotto, libsignal, 500u), (libsignal, sotto, 600u) })
        {
            var generated = await generator.CallAsync("kem-keygen", new JsonObject { ["kyberPreKeyId"] = id });
            var publicKey = generated["publicKeyHex"]!.GetValue<string>();
            Assert.Equal(1569 * 2, publicKey.Length);
            Assert.StartsWith("08", publicKey, StringComparison.Ordinal);

            var imported = await importer.CallAsync("kem-import", new JsonObject { ["kyberPreKeyId"] = id, ["recordHex"] = generated["recordHex"]!.DeepClone() });
            Assert.Equal(publicKey, imported["publicKeyHex"]!.GetValue<string>());
            var secret = KyberPreKeyRecord.Deserialize(Hex.Decode(generated["recordHex"]!.GetValue<string>())).GetSecretKey();
            Assert.Equal(Hex.Encode(secret.Serialize()), imported["secretKeyHex"]!.GetValue<string>());

            // The importer publishes the generator's key; the generator's library encapsulates to it, the importer decapsulates.
            var bundle = await importer.CallAsync("bundle", new JsonObject { ["kyberPreKeyId"] = id });
            Assert.Equal(publicKey, bundle["kyberPreKeyPublic"]!.GetValue<string>());
            bundle.Remove("ok");
            bundle.Remove("id");
            await generator.CallAsync("process-bundle", new JsonObject { ["remote"] = importer.Address, ["bundle"] = bundle });
            var sent = await generator.CallAsync("encrypt", new JsonObject { ["remote"] = importer.Address, ["plaintext"] = $"kyber {id}" });
            Assert.Equal(3, sent["type"]!.GetValue<int>());
            var received = await importer.CallAsync("decrypt", new JsonObject { ["remote"] = generator.Address, ["type"] = 3, ["ciphertextHex"] = sent["ciphertextHex"]!.DeepClone() });
            Assert.Equal($"kyber {id}", received["plaintext"]!.GetValue<string>());

            // And the importer's library encapsulates to its own (native) prekeys of the generator: the reply path.
            var reply = await importer.CallAsync("encrypt", new JsonObject { ["remote"] = generator.Address, ["plaintext"] = "ok" });
            var back = await generator.CallAsync("decrypt", new JsonObject { ["remote"] = importer.Address, ["type"] = reply["type"]!.DeepClone(), ["ciphertextHex"] = reply["ciphertextHex"]!.DeepClone() });
            Assert.Equal("ok", back["plaintext"]!.GetValue<string>());
        }
    }

    private sealed record ConversationResult(int[] Delivered, int[] Dropped, int[] OutOfOrder);

    private sealed class InFlight(int type, string ciphertextHex, string plaintextHex)
    {
        public int Type { get; } = type;

        public string CiphertextHex { get; } = ciphertextHex;

        public string PlaintextHex { get; } = plaintextHex;

        public int Overtaken { get; set; }
    }

    /// <summary>
    /// The initiator processes the responder's bundle; then sends, deliveries and drops interleave at random until
    /// each direction has delivered <see cref="MessagesEachWay"/> messages. Delivery picks among the three oldest
    /// messages in flight, and a message overtaken three times goes next (so no message outlives the five receiving
    /// chains a session keeps); one message in twenty is dropped.
    /// </summary>
    private static async Task<ConversationResult> ConverseAsync(InteropPeer initiator, InteropPeer responder, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        await initiator.InitAsync(NewAci(), 1);
        await responder.InitAsync(NewAci(), 2);
        var bundle = await responder.CallAsync("bundle");
        bundle.Remove("ok");
        bundle.Remove("id");
        await initiator.CallAsync("process-bundle", new JsonObject { ["remote"] = responder.Address, ["bundle"] = bundle });

        InteropPeer[] peers = [initiator, responder];
        var queues = new[] { new List<InFlight>(), new List<InFlight>() }; // [0]: initiator -> responder
        int[] delivered = [0, 0];
        int[] dropped = [0, 0];
        int[] preKeyMessages = [0, 0];
        int[] outOfOrder = [0, 0];
        bool responderHasSession = false;

        // A few PreKey messages in flight before the first delivery, so that they too arrive out of order.
        for (int i = 0; i < 3; i++)
        {
            var sent = await initiator.CallAsync("encrypt", new JsonObject { ["remote"] = responder.Address, ["plaintext"] = $"prekey {i}" });
            Assert.Equal(3, sent["type"]!.GetValue<int>());
            preKeyMessages[0]++;
            queues[0].Add(new InFlight(3, sent["ciphertextHex"]!.GetValue<string>(), Hex.Encode(System.Text.Encoding.UTF8.GetBytes($"prekey {i}"))));
        }

        while (delivered[0] < MessagesEachWay || delivered[1] < MessagesEachWay || queues[0].Count > 0 || queues[1].Count > 0)
        {
            bool sending = delivered[0] < MessagesEachWay || delivered[1] < MessagesEachWay;
            int roll = random.Next(100);
            int direction = random.Next(2);
            if (sending && roll < 45 && (direction == 0 || responderHasSession) && queues[direction].Count < 12)
            {
                var plaintext = new byte[random.Next(8) == 0 ? 0 : random.Next(300)];
                random.Fill(plaintext);
                var sent = await peers[direction].CallAsync("encrypt", new JsonObject { ["remote"] = peers[1 - direction].Address, ["plaintextHex"] = Hex.Encode(plaintext) });
                int type = sent["type"]!.GetValue<int>();
                if (type == 3)
                {
                    preKeyMessages[direction]++;
                }

                queues[direction].Add(new InFlight(type, sent["ciphertextHex"]!.GetValue<string>(), Hex.Encode(plaintext)));
            }
            else if (queues[direction].Count > 0 && sending && roll < 48)
            {
                queues[direction].RemoveAt(random.Next(queues[direction].Count));
                dropped[direction]++;
            }
            else if (queues[direction].Count > 0)
            {
                var queue = queues[direction];
                int pick = queue.FindIndex(m => m.Overtaken >= 3);
                if (pick < 0)
                {
                    pick = random.Next(Math.Min(3, queue.Count));
                }

                var message = queue[pick];
                if (pick > 0)
                {
                    outOfOrder[direction]++;
                }

                for (int i = 0; i < pick; i++)
                {
                    queue[i].Overtaken++;
                }

                queue.RemoveAt(pick);
                var received = await peers[1 - direction].CallAsync("decrypt", new JsonObject
                {
                    ["remote"] = peers[direction].Address,
                    ["type"] = message.Type,
                    ["ciphertextHex"] = message.CiphertextHex,
                });
                Assert.Equal(message.PlaintextHex, received["plaintextHex"]!.GetValue<string>());
                delivered[direction]++;
                responderHasSession = true;
            }
        }

        Assert.True(preKeyMessages[0] >= 3);
        Assert.Equal(0, preKeyMessages[1]);
        Assert.True(dropped[0] > 0 && dropped[1] > 0);
        Assert.True(outOfOrder[0] > 0 && outOfOrder[1] > 0);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{initiator.Kind} -> {responder.Kind}: delivered {delivered[0]}, dropped {dropped[0]}, out of order {outOfOrder[0]}, PreKey messages {preKeyMessages[0]}; " +
            $"{responder.Kind} -> {initiator.Kind}: delivered {delivered[1]}, dropped {dropped[1]}, out of order {outOfOrder[1]}");
        return new ConversationResult(delivered, dropped, outOfOrder);
    }

    private static async Task AssertSameSafetyNumberAsync(InteropPeer a, InteropPeer b)
    {
        var fromA = await a.CallAsync("safety-number", new JsonObject { ["remote"] = b.Address });
        var fromB = await b.CallAsync("safety-number", new JsonObject { ["remote"] = a.Address });
        var number = fromA["safetyNumber"]!.GetValue<string>();
        Assert.Equal(60, number.Length);
        Assert.True(number.All(char.IsAsciiDigit));
        Assert.Equal(number, fromB["safetyNumber"]!.GetValue<string>());

        // The scannable codes cross-match (each side's local is the other's remote), checked with Sotto's comparison.
        var sottoSide = a.Kind == "sotto" ? a : b;
        var otherSide = sottoSide == a ? b : a;
        var sottoIdentity = IdentityKey.Deserialize(Hex.Decode((await sottoSide.CallAsync("identity"))["identityKey"]!.GetValue<string>()));
        var otherIdentity = IdentityKey.Deserialize(Hex.Decode((await otherSide.CallAsync("identity"))["identityKey"]!.GetValue<string>()));
        var ours = Fingerprint.ForServiceIds(ServiceId.Parse(sottoSide.Name), sottoIdentity, ServiceId.Parse(otherSide.Name), otherIdentity);
        Assert.Equal(number, ours.DisplayString);
        var theirScannable = Hex.Decode((otherSide == a ? fromA : fromB)["scannableHex"]!.GetValue<string>());
        Assert.True(ours.Scannable.Compare(theirScannable));
    }

    private static string NewAci() => Guid.NewGuid().ToString();
}
