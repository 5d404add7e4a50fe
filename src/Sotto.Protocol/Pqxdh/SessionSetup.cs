using Sotto.Crypto;

namespace Sotto.Protocol;

/// <summary>
/// Builds the first <see cref="SessionState"/> of each side from the PQXDH output (libsignal <c>ratchet.rs</c>
/// <c>initialize_alice_session</c> / <c>initialize_bob_session</c>):
/// <code>
///   Alice: sending ratchet key R fresh;  RK', CK_send = RootKey(RK).CreateChain(SPKb, R)
///          receiving chain (SPKb, CK); sending chain (R, CK_send); SPQR A2B; PreKey fields pending
///   Bob:   sending chain (SPKb, CK); root RK; SPQR B2A — his first reply follows a DH ratchet step
/// </code>
/// </summary>
internal static class SessionSetup
{
    internal static SessionState InitiatorSession(
        IdentityKeyPair ourIdentity,
        PreKeyBundle bundle,
        bool selfSession,
        DateTimeOffset now,
        uint localRegistrationId,
        IRandom random)
    {
        using var baseKey = ECKeyPair.Generate(random);
        Span<byte> okm = stackalloc byte[96];
        try
        {
            var kyberCiphertext = Pqxdh.Initiate(
                ourIdentity, baseKey.PrivateKey.Span, bundle.IdentityKey, bundle.SignedPreKeyPublic, bundle.PreKeyPublic, bundle.KyberPreKeyPublic, random, okm);

            using var sendingRatchet = ECKeyPair.Generate(random);
            var (rootKey, sendingChainKey) = RootKey.CreateChain(okm[..32], bundle.SignedPreKeyPublic, sendingRatchet.PrivateKey.Span);
            var state = new SessionState(MessageVersions.Current, ourIdentity.IdentityKey, bundle.IdentityKey, rootKey, baseKey.PublicKey, LazySpqr.Create(okm[64..96], aToB: true, selfSession))
            {
                Sender = new SenderChain(sendingRatchet.PublicKey, sendingRatchet.PrivateKey.Serialize(), sendingChainKey),
                Pending = new PendingPreKey(
                    bundle.PreKeyId,
                    bundle.SignedPreKeyId,
                    baseKey.PublicKey,
                    (ulong)Math.Max(0, now.ToUnixTimeSeconds()),
                    bundle.KyberPreKeyId,
                    kyberCiphertext),
                LocalRegistrationId = localRegistrationId,
                RemoteRegistrationId = bundle.RegistrationId,
            };
            state.ReceiverChains.Add(new ReceiverChain(bundle.SignedPreKeyPublic, new ChainKey(okm[32..64].ToArray(), 0), []));
            return state;
        }
        finally
        {
            Kdf.Zero(okm);
        }
    }

    internal static SessionState RecipientSession(
        IdentityKeyPair ourIdentity,
        SignedPreKeyRecord signedPreKey,
        PreKeyRecord? oneTimePreKey,
        KyberPreKeyRecord kyberPreKey,
        PreKeySignalMessage message,
        bool selfSession,
        uint localRegistrationId)
    {
        Span<byte> okm = stackalloc byte[96];
        using var kyberSecret = kyberPreKey.GetSecretKey();
        try
        {
            Pqxdh.Accept(
                ourIdentity,
                signedPreKey.PrivateKeySpan,
                oneTimePreKey is null ? default : oneTimePreKey.PrivateKeySpan,
                kyberSecret,
                message.IdentityKey,
                message.BaseKey,
                message.KyberCiphertext,
                okm);

            return new SessionState(MessageVersions.Current, ourIdentity.IdentityKey, message.IdentityKey, okm[..32].ToArray(), message.BaseKey, LazySpqr.Create(okm[64..96], aToB: false, selfSession))
            {
                Sender = new SenderChain(signedPreKey.PublicKey, signedPreKey.PrivateKeySpan.ToArray(), new ChainKey(okm[32..64].ToArray(), 0)),
                LocalRegistrationId = localRegistrationId,
                RemoteRegistrationId = message.RegistrationId,
            };
        }
        finally
        {
            Kdf.Zero(okm);
        }
    }
}
