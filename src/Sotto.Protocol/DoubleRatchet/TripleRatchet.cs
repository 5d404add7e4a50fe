using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// The Double Ratchet combined with lazy SPQR: encrypt and decrypt one message with one session state
/// (libsignal <c>triple_ratchet.rs</c> and <c>double_ratchet.rs</c>).
/// </summary>
/// <remarks>
/// <para>
/// Compute, then commit: <see cref="Encrypt"/> and <see cref="Decrypt"/> never change the state they are given.
/// They return a staged step holding the new values; <see cref="EncryptionStep.Commit"/> and
/// <see cref="DecryptionStep.Commit"/> write them. A failed MAC, a replay or any other error therefore leaves the
/// state exactly as it was. Identity checks, choosing among sessions, PreKey handling and storage are not this
/// layer's concern (<see cref="SessionCipher"/> does them).
/// </para>
/// <code>
///   decrypt(state, msg):
///     chain  = receiving chain for msg.ratchet_key, or a DH ratchet step:
///                RK1, CK_recv = CreateChain(RK, their key, our sending private)     receiving half
///                R' fresh; RK2, CK_send = CreateChain(RK1, their key, R')          sending half
///     seed   = chain's key for msg.counter (a stored skipped seed, or advance — at most MaxForwardJumps)
///     spqr   = SPQR key for msg.pq_ratchet's index
///     keys   = HKDF(salt = spqr, seed, "WhisperMessageKeys", 80);  verify MAC;  check addresses;  AES-CBC decrypt
/// </code>
/// </remarks>
internal static class TripleRatchet
{
    internal static EncryptionStep Encrypt(SessionState state, ReadOnlySpan<byte> plaintext, byte[]? addresses)
    {
        var sender = state.Sender ?? ThrowHelper.ThrowProtocol<SenderChain>(ProtocolError.InvalidSessionState, "The session has no sending chain.");
        Span<byte> spqrKey = stackalloc byte[LazySpqr.KeyLength];
        Span<byte> seed = stackalloc byte[Kdf.HashLength];
        Span<byte> keys = stackalloc byte[MessageKeys.Length];
        try
        {
            var spqr = state.Spqr.PrepareSend(spqrKey);
            var nextChainKey = sender.ChainKey.Next(seed);
            MessageKeys.Derive(seed, spqrKey, keys);
            var ciphertext = AesCbc.Encrypt(MessageKeys.CipherKey(keys), MessageKeys.Iv(keys), plaintext);
            var message = SignalMessage.Create(
                (byte)state.Version,
                MessageKeys.MacKey(keys),
                addresses,
                sender.RatchetKey,
                sender.ChainKey.Index,
                state.PreviousCounter,
                ciphertext,
                state.LocalIdentity,
                state.RemoteIdentity,
                spqr.Message);
            return new EncryptionStep(message, nextChainKey, spqr);
        }
        finally
        {
            Kdf.Zero(spqrKey);
            Kdf.Zero(seed);
            Kdf.Zero(keys);
        }
    }

    /// <summary>Decrypts <paramref name="message"/> with <paramref name="state"/> (unchanged) and stages the update.</summary>
    /// <exception cref="ProtocolException">The message does not decrypt with this session.</exception>
    internal static DecryptionStep Decrypt(SessionState state, SignalMessage message, ProtocolAddress remote, ProtocolAddress local, bool selfSession, IRandom random)
    {
        var step = new DecryptionStep();
        var theirKey = message.SenderRatchetKey;

        // 1. The receiving chain, or a DH ratchet step that creates it (libsignal ensure_receiver_chain).
        ChainKey chainKey;
        step.ChainIndex = state.FindReceiverChain(theirKey);
        if (step.ChainIndex >= 0)
        {
            chainKey = state.ReceiverChains[step.ChainIndex].ChainKey;
        }
        else
        {
            var sender = state.Sender ?? ThrowHelper.ThrowProtocol<SenderChain>(ProtocolError.InvalidSessionState, "The session has no sending chain.");
            var (rootAfterReceive, receiveChainKey) = RootKey.CreateChain(state.RootKey, theirKey, sender.RatchetPrivateKey);
            using var newRatchet = ECKeyPair.Generate(random);
            var (rootAfterSend, sendChainKey) = RootKey.CreateChain(rootAfterReceive, theirKey, newRatchet.PrivateKey.Span);
            step.NewRootKey = rootAfterSend;
            step.NewSender = new SenderChain(newRatchet.PublicKey, newRatchet.PrivateKey.Serialize(), sendChainKey);
            step.NewPreviousCounter = sender.ChainKey.Index == 0 ? 0 : sender.ChainKey.Index - 1;
            step.NewChainRatchetKey = theirKey;
            chainKey = receiveChainKey;
        }

        // 2. The message key seed for the counter (libsignal consume_message_key).
        Span<byte> seed = stackalloc byte[Kdf.HashLength];
        Span<byte> spqrKey = stackalloc byte[LazySpqr.KeyLength];
        Span<byte> keys = stackalloc byte[MessageKeys.Length];
        try
        {
            uint counter = message.Counter;
            if (counter == uint.MaxValue)
            {
                // The chain key after it would have index 2^32: no sender reaches it, and a stored chain that claims
                // to (a corrupt record) must fail as bad input, not overflow.
                ThrowHelper.ThrowProtocol(ProtocolError.MessageTooFarInFuture, "The message counter is at the end of the chain.");
            }

            if (chainKey.Index > counter)
            {
                var stored = step.ChainIndex >= 0 ? state.ReceiverChains[step.ChainIndex].MessageKeys : null;
                int position = -1;
                for (int i = 0; stored is not null && i < stored.Count; i++)
                {
                    if (stored[i].Index == counter)
                    {
                        position = i;
                        break;
                    }
                }

                if (position < 0)
                {
                    ThrowHelper.ThrowProtocol(ProtocolError.DuplicatedMessage, "The message key for this counter was already used.");
                }

                stored![position].Key.CopyTo(seed);
                step.RemoveSkippedAt = position;
                step.NewChainKey = chainKey;
            }
            else
            {
                uint jump = counter - chainKey.Index;
                if (!selfSession && jump > ProtocolLimits.MaxForwardJumps)
                {
                    ThrowHelper.ThrowProtocol(ProtocolError.MessageTooFarInFuture, $"The message counter is more than {ProtocolLimits.MaxForwardJumps} ahead of the chain.");
                }

                while (chainKey.Index < counter)
                {
                    if (counter - chainKey.Index <= ProtocolLimits.MaxMessageKeys)
                    {
                        var skipped = new byte[Kdf.HashLength];
                        uint index = chainKey.Index;
                        chainKey = chainKey.Next(skipped);
                        (step.AddedSkipped ??= []).Add(new SkippedKey(index, skipped));
                    }
                    else
                    {
                        chainKey = chainKey.Next();
                    }
                }

                step.NewChainKey = chainKey.Next(seed);
            }

            // 3. The SPQR key, staged (spqr::recv).
            bool hasSpqrKey = state.Spqr.PrepareReceive(message.PqRatchet, spqrKey, out step.Spqr);

            // 4. Message keys, MAC, addresses, body.
            MessageKeys.Derive(seed, hasSpqrKey ? spqrKey : default, keys);
            if (!message.VerifyMac(state.RemoteIdentity, state.LocalIdentity, MessageKeys.MacKey(keys)))
            {
                ThrowHelper.ThrowProtocol(ProtocolError.InvalidMac, "The message MAC does not verify.");
            }

            if (message.HasAddresses)
            {
                var expected = SignalMessage.SerializeAddresses(remote, local);
                if (expected is null || !ConstantTime.Equals(expected, message.Addresses))
                {
                    ThrowHelper.ThrowProtocol(ProtocolError.AddressMismatch, "The message was addressed to another sender or recipient pair.");
                }
            }

            if (!AesCbc.TryDecrypt(MessageKeys.CipherKey(keys), MessageKeys.Iv(keys), message.Body, out var plaintext))
            {
                ThrowHelper.ThrowProtocol(ProtocolError.InvalidCiphertext, "The message body does not decrypt.");
            }

            step.Plaintext = plaintext;
            return step;
        }
        finally
        {
            Kdf.Zero(seed);
            Kdf.Zero(spqrKey);
            Kdf.Zero(keys);
        }
    }
}

/// <summary>A staged encryption: the message, and the sending chain and SPQR values to commit.</summary>
internal sealed class EncryptionStep(SignalMessage message, ChainKey nextChainKey, LazySpqr.SendUpdate spqr)
{
    internal SignalMessage Message { get; } = message;

    internal void Commit(SessionState state)
    {
        state.Sender = state.Sender! with { ChainKey = nextChainKey };
        state.Spqr.Apply(spqr);
    }
}

/// <summary>A staged decryption: the plaintext and every change to the session state, written by <see cref="Commit"/>.</summary>
internal sealed class DecryptionStep
{
    internal LazySpqr.ReceiveUpdate Spqr;

    internal int ChainIndex { get; set; } = -1;

    internal ECPublicKey? NewChainRatchetKey { get; set; }

    internal byte[]? NewRootKey { get; set; }

    internal SenderChain? NewSender { get; set; }

    internal uint NewPreviousCounter { get; set; }

    internal ChainKey NewChainKey { get; set; }

    internal int RemoveSkippedAt { get; set; } = -1;

    internal List<SkippedKey>? AddedSkipped { get; set; }

    internal byte[] Plaintext { get; set; } = [];

    /// <summary>Applies the step; also acknowledges the session (no more PreKey messages).</summary>
    internal void Commit(SessionState state)
    {
        ReceiverChain chain;
        if (NewChainRatchetKey is not null)
        {
            state.RootKey = NewRootKey!;
            state.Sender = NewSender;
            state.PreviousCounter = NewPreviousCounter;
            chain = new ReceiverChain(NewChainRatchetKey, NewChainKey, []);
            state.ReceiverChains.Add(chain);
            if (state.ReceiverChains.Count > ProtocolLimits.MaxReceiverChains)
            {
                state.ReceiverChains.RemoveAt(0);
            }
        }
        else
        {
            chain = state.ReceiverChains[ChainIndex];
        }

        chain.ChainKey = NewChainKey;
        if (RemoveSkippedAt >= 0)
        {
            chain.MessageKeys.RemoveAt(RemoveSkippedAt);
        }

        if (AddedSkipped is not null)
        {
            chain.MessageKeys.AddRange(AddedSkipped);
            int excess = chain.MessageKeys.Count - ProtocolLimits.MaxMessageKeys;
            if (excess > 0)
            {
                chain.MessageKeys.RemoveRange(0, excess);
            }
        }

        state.Spqr.Apply(Spqr);
        state.Pending = null;
    }
}
