using Sotto.Crypto;
using Sotto.Protocol.Storage;

namespace Sotto.Protocol;

/// <summary>
/// The 1:1 API of one local device: start sessions from prekey bundles, encrypt, decrypt (libsignal
/// <c>session.rs</c> <c>process_prekey_bundle</c> and <c>session_management.rs</c> <c>message_encrypt</c> /
/// <c>message_decrypt</c>, with the stores, clock and randomness bound once).
/// </summary>
/// <remarks>
/// <para>
/// Compute, then commit: every operation loads what it needs, computes the whole result without writing, checks
/// identity trust, and only then saves the identity, removes used prekeys and stores the session record. When it
/// throws — <see cref="ProtocolException"/> for bad peer input, untrusted identities or missing sessions — no store
/// was written (libsignal's <c>prekey_message_failed_decryption_does_not_update_stores</c>). A store that fails
/// half-way through a commit leaves it half-done; a persistent store should run each call in one transaction.
/// </para>
/// <para>
/// Concurrency: calls for the same remote address must not overlap (the SDK serializes them per conversation);
/// calls for different addresses may. Randomness comes only from the injected <see cref="IRandom"/>, time only
/// from the injected <see cref="TimeProvider"/>.
/// </para>
/// <code>
///   Alice                                           Bob
///   ProcessPreKeyBundleAsync(bob, bundle)
///   EncryptAsync(bob, m1) ─── PreKeySignalMessage ──► DecryptAsync(alice, m1)   (session created; prekeys used)
///   EncryptAsync(bob, m2) ─── PreKeySignalMessage ──► DecryptAsync(alice, m2)   (until Bob's reply arrives)
///   DecryptAsync(bob, r1) ◄──── SignalMessage ─────── EncryptAsync(alice, r1)
///   EncryptAsync(bob, m3) ───── SignalMessage ──────► …
/// </code>
/// </remarks>
public sealed class SessionCipher
{
    private readonly ISessionStore _sessions;
    private readonly IIdentityKeyStore _identities;
    private readonly IPreKeyStore _preKeys;
    private readonly ISignedPreKeyStore _signedPreKeys;
    private readonly IKyberPreKeyStore _kyberPreKeys;
    private readonly TimeProvider _time;
    private readonly IRandom _random;

    /// <param name="store">All of this device's stores.</param>
    /// <param name="localAddress">This device's address (its ServiceId name and device id).</param>
    /// <param name="timeProvider">The clock, for prekey timestamps and stale-session checks.</param>
    /// <param name="random">Randomness for keys, nonces and signatures.</param>
    public SessionCipher(IProtocolStore store, ProtocolAddress localAddress, TimeProvider timeProvider, IRandom random)
        : this(store, store, store, store, store, localAddress, timeProvider, random)
    {
    }

    public SessionCipher(
        ISessionStore sessions,
        IIdentityKeyStore identities,
        IPreKeyStore preKeys,
        ISignedPreKeyStore signedPreKeys,
        IKyberPreKeyStore kyberPreKeys,
        ProtocolAddress localAddress,
        TimeProvider timeProvider,
        IRandom random)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(preKeys);
        ArgumentNullException.ThrowIfNull(signedPreKeys);
        ArgumentNullException.ThrowIfNull(kyberPreKeys);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(random);
        if (localAddress.Name is null)
        {
            ThrowHelper.ThrowArgument(nameof(localAddress), "The local address is unset.");
        }

        _sessions = sessions;
        _identities = identities;
        _preKeys = preKeys;
        _signedPreKeys = signedPreKeys;
        _kyberPreKeys = kyberPreKeys;
        LocalAddress = localAddress;
        _time = timeProvider;
        _random = random;
    }

    /// <summary>This device's address.</summary>
    public ProtocolAddress LocalAddress { get; }

    /// <summary>
    /// Starts a new session with <paramref name="remote"/> from its prekey bundle (PQXDH as the initiator). The new
    /// session becomes current (an older one is archived); messages sent on it are PreKey messages until the peer
    /// replies.
    /// </summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolError.UntrustedIdentity"/> when the bundle's identity differs from the trusted one;
    /// <see cref="ProtocolError.InvalidSignature"/> when a prekey signature does not verify;
    /// <see cref="ProtocolError.InvalidKemKey"/> or <see cref="ProtocolError.InvalidKeyAgreement"/> for bad keys.
    /// </exception>
    public async ValueTask ProcessPreKeyBundleAsync(ProtocolAddress remote, PreKeyBundle bundle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        CheckAddress(remote);
        var theirIdentity = bundle.IdentityKey;
        if (!await _identities.IsTrustedIdentityAsync(remote, theirIdentity, Direction.Sending, cancellationToken).ConfigureAwait(false))
        {
            throw Untrusted(remote);
        }

        if (!theirIdentity.PublicKey.VerifySignature(bundle.SignedPreKeyPublic.Serialized, bundle.SignedPreKeySignature.Span))
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidSignature, "The signed prekey's signature does not verify.");
        }

        if (!theirIdentity.PublicKey.VerifySignature(bundle.KyberPreKeyPublic.Serialized, bundle.KyberPreKeySignature.Span))
        {
            ThrowHelper.ThrowProtocol(ProtocolError.InvalidSignature, "The Kyber prekey's signature does not verify.");
        }

        var record = await _sessions.LoadSessionAsync(remote, cancellationToken).ConfigureAwait(false) ?? new SessionRecord();
        var ourIdentity = await _identities.GetIdentityKeyPairAsync(cancellationToken).ConfigureAwait(false);
        uint registrationId = await _identities.GetLocalRegistrationIdAsync(cancellationToken).ConfigureAwait(false);
        bool selfSession = ourIdentity.IdentityKey.IsSameAccount(LocalAddress, theirIdentity, remote);
        var state = SessionSetup.InitiatorSession(ourIdentity, bundle, selfSession, _time.GetUtcNow(), registrationId, _random);

        await _identities.SaveIdentityAsync(remote, theirIdentity, cancellationToken).ConfigureAwait(false);
        record.PromoteState(state);
        await _sessions.StoreSessionAsync(remote, record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for <paramref name="remote"/>: a <see cref="PreKeySignalMessage"/>
    /// while the session is unacknowledged, a <see cref="SignalMessage"/> afterwards.
    /// </summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolError.SessionNotFound"/> without a session or with a stale unacknowledged one;
    /// <see cref="ProtocolError.UntrustedIdentity"/> when the session's identity is no longer trusted.
    /// </exception>
    /// <exception cref="ArgumentException">The plaintext exceeds <see cref="ProtocolLimits.MaxPlaintextLength"/>.</exception>
    public async ValueTask<CiphertextMessage> EncryptAsync(ProtocolAddress remote, ReadOnlyMemory<byte> plaintext, CancellationToken cancellationToken = default)
    {
        CheckAddress(remote);
        if (plaintext.Length > ProtocolLimits.MaxPlaintextLength)
        {
            ThrowHelper.ThrowArgument(nameof(plaintext), $"Plaintexts are at most {ProtocolLimits.MaxPlaintextLength} bytes.");
        }

        var record = await _sessions.LoadSessionAsync(remote, cancellationToken).ConfigureAwait(false);
        var state = record?.Current;
        if (record is null || state is null)
        {
            throw NoSession(remote);
        }

        var pending = state.Pending;
        if (pending is not null && SessionRecord.IsStale(state, _time.GetUtcNow()))
        {
            throw NoSession(remote);
        }

        var step = TripleRatchet.Encrypt(state, plaintext.Span, pending is null ? null : SignalMessage.SerializeAddresses(LocalAddress, remote));
        CiphertextMessage message = pending is null
            ? step.Message
            : PreKeySignalMessage.Create(
                (byte)state.Version,
                state.LocalRegistrationId,
                pending.PreKeyId,
                pending.SignedPreKeyId,
                pending.KyberPreKeyId,
                pending.KyberCiphertext,
                pending.BaseKey,
                state.LocalIdentity,
                step.Message);

        if (!await _identities.IsTrustedIdentityAsync(remote, state.RemoteIdentity, Direction.Sending, cancellationToken).ConfigureAwait(false))
        {
            throw Untrusted(remote);
        }

        await _identities.SaveIdentityAsync(remote, state.RemoteIdentity, cancellationToken).ConfigureAwait(false);
        step.Commit(state);
        await _sessions.StoreSessionAsync(remote, record, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>Decrypts a message from <paramref name="remote"/> of either kind.</summary>
    /// <exception cref="ProtocolException">See <see cref="DecryptSignalMessageAsync"/> and <see cref="DecryptPreKeySignalMessageAsync"/>.</exception>
    public ValueTask<byte[]> DecryptAsync(ProtocolAddress remote, CiphertextMessage message, CancellationToken cancellationToken = default) => message switch
    {
        SignalMessage signal => DecryptSignalMessageAsync(remote, signal, cancellationToken),
        PreKeySignalMessage preKey => DecryptPreKeySignalMessageAsync(remote, preKey, cancellationToken),
        null => throw new ArgumentNullException(nameof(message)),
        _ => throw new ArgumentException("Only Signal and PreKey messages are decrypted here.", nameof(message)),
    };

    /// <summary>
    /// Decrypts a <see cref="SignalMessage"/>: with the current session, or else with an archived one, which then
    /// becomes current again (libsignal's Sesame behaviour).
    /// </summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolError.SessionNotFound"/>, <see cref="ProtocolError.DuplicatedMessage"/>,
    /// <see cref="ProtocolError.InvalidMac"/>, <see cref="ProtocolError.MessageTooFarInFuture"/>,
    /// <see cref="ProtocolError.UntrustedIdentity"/> and the other codes of bad input. The current session's failure
    /// is reported when there is a current session; without one, <see cref="ProtocolError.DecryptionFailed"/>.
    /// </exception>
    public async ValueTask<byte[]> DecryptSignalMessageAsync(ProtocolAddress remote, SignalMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        CheckAddress(remote);
        var record = await _sessions.LoadSessionAsync(remote, cancellationToken).ConfigureAwait(false) ?? throw NoSession(remote);
        var (step, state, previousIndex) = DecryptWithRecord(record, remote, message);

        if (!await _identities.IsTrustedIdentityAsync(remote, state.RemoteIdentity, Direction.Receiving, cancellationToken).ConfigureAwait(false))
        {
            throw Untrusted(remote);
        }

        await _identities.SaveIdentityAsync(remote, state.RemoteIdentity, cancellationToken).ConfigureAwait(false);
        step.Commit(state);
        if (previousIndex >= 0)
        {
            record.PromoteOldSession(previousIndex, state);
        }

        await _sessions.StoreSessionAsync(remote, record, cancellationToken).ConfigureAwait(false);
        return step.Plaintext;
    }

    /// <summary>
    /// Decrypts a <see cref="PreKeySignalMessage"/>: if it belongs to a session this device already has (same
    /// base key), with that session; otherwise completes PQXDH as the recipient, makes the new session current,
    /// and — once the message decrypted — removes the one-time prekeys it used.
    /// </summary>
    /// <exception cref="ProtocolException">
    /// <see cref="ProtocolError.UntrustedIdentity"/> (checked first), <see cref="ProtocolError.InvalidPreKeyId"/>,
    /// <see cref="ProtocolError.InvalidSignedPreKeyId"/>, <see cref="ProtocolError.InvalidKyberPreKeyId"/>,
    /// <see cref="ProtocolError.InvalidBaseKey"/>, <see cref="ProtocolError.ReusedBaseKey"/>, and the codes of
    /// <see cref="DecryptSignalMessageAsync"/>.
    /// </exception>
    public async ValueTask<byte[]> DecryptPreKeySignalMessageAsync(ProtocolAddress remote, PreKeySignalMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        CheckAddress(remote);
        if (!await _identities.IsTrustedIdentityAsync(remote, message.IdentityKey, Direction.Receiving, cancellationToken).ConfigureAwait(false))
        {
            throw Untrusted(remote);
        }

        var record = await _sessions.LoadSessionAsync(remote, cancellationToken).ConfigureAwait(false) ?? new SessionRecord();

        // process_prekey: an existing session with this base key, or a new one from our prekeys.
        SessionState? state = null;
        int previousIndex = -1;
        bool isNew = false;
        PreKeyRecord? oneTimePreKey = null;
        if (record.Current is { } current && current.Version == message.MessageVersion && current.AliceBaseKey.Equals(message.BaseKey))
        {
            state = current;
        }
        else
        {
            for (int i = 0; i < record.Previous.Count && state is null; i++)
            {
                if (record.DecodePrevious(i) is { } previous && previous.Version == message.MessageVersion && previous.AliceBaseKey.Equals(message.BaseKey))
                {
                    state = previous;
                    previousIndex = i;
                }
            }
        }

        if (state is null)
        {
            var signedPreKey = await _signedPreKeys.GetSignedPreKeyAsync(message.SignedPreKeyId, cancellationToken).ConfigureAwait(false)
                ?? ThrowHelper.ThrowProtocol<SignedPreKeyRecord>(ProtocolError.InvalidSignedPreKeyId, "The message names an unknown signed prekey.");
            var kyberPreKey = await _kyberPreKeys.GetKyberPreKeyAsync(message.KyberPreKeyId, cancellationToken).ConfigureAwait(false)
                ?? ThrowHelper.ThrowProtocol<KyberPreKeyRecord>(ProtocolError.InvalidKyberPreKeyId, "The message names an unknown Kyber prekey.");
            if (message.PreKeyId is { } preKeyId)
            {
                oneTimePreKey = await _preKeys.GetPreKeyAsync(preKeyId, cancellationToken).ConfigureAwait(false)
                    ?? ThrowHelper.ThrowProtocol<PreKeyRecord>(ProtocolError.InvalidPreKeyId, "The message names an unknown one-time prekey.");
            }

            var ourIdentity = await _identities.GetIdentityKeyPairAsync(cancellationToken).ConfigureAwait(false);
            uint registrationId = await _identities.GetLocalRegistrationIdAsync(cancellationToken).ConfigureAwait(false);
            bool self = ourIdentity.IdentityKey.IsSameAccount(LocalAddress, message.IdentityKey, remote);
            state = SessionSetup.RecipientSession(ourIdentity, signedPreKey, oneTimePreKey, kyberPreKey, message, self, registrationId);
            isNew = true;
        }

        var step = TripleRatchet.Decrypt(state, message.Message, remote, LocalAddress, IsSelfSession(state, remote), _random);

        await _identities.SaveIdentityAsync(remote, message.IdentityKey, cancellationToken).ConfigureAwait(false);
        if (isNew)
        {
            await _kyberPreKeys.MarkKyberPreKeyUsedAsync(message.KyberPreKeyId, message.SignedPreKeyId, message.BaseKey, cancellationToken).ConfigureAwait(false);
            if (oneTimePreKey is not null)
            {
                await _preKeys.RemovePreKeyAsync(oneTimePreKey.Id, cancellationToken).ConfigureAwait(false);
            }
        }

        step.Commit(state);
        if (isNew)
        {
            record.PromoteState(state);
        }
        else if (previousIndex >= 0)
        {
            record.PromoteOldSession(previousIndex, state);
        }

        await _sessions.StoreSessionAsync(remote, record, cancellationToken).ConfigureAwait(false);
        return step.Plaintext;
    }

    /// <summary>
    /// libsignal <c>try_decrypt_from_record</c> for a SignalMessage: the current session, then each archived one;
    /// a duplicate stops the search. Nothing in <paramref name="record"/> changes.
    /// </summary>
    private (DecryptionStep Step, SessionState State, int PreviousIndex) DecryptWithRecord(SessionRecord record, ProtocolAddress remote, SignalMessage message)
    {
        ProtocolException? currentError = null;
        if (record.Current is { } current)
        {
            try
            {
                CheckSessionVersion(current, message);
                return (TripleRatchet.Decrypt(current, message, remote, LocalAddress, IsSelfSession(current, remote), _random), current, -1);
            }
            catch (ProtocolException e) when (e.Code != ProtocolError.DuplicatedMessage)
            {
                currentError = e;
            }
        }

        for (int i = 0; i < record.Previous.Count; i++)
        {
            if (record.DecodePrevious(i) is not { } previous)
            {
                continue;
            }

            try
            {
                CheckSessionVersion(previous, message);
                return (TripleRatchet.Decrypt(previous, message, remote, LocalAddress, IsSelfSession(previous, remote), _random), previous, i);
            }
            catch (ProtocolException e) when (e.Code != ProtocolError.DuplicatedMessage)
            {
                // Tried and failed; the next archived session may still match.
            }
        }

        if (currentError is not null)
        {
            throw currentError;
        }

        throw record.Previous.Count == 0
            ? NoSession(remote)
            : new ProtocolException(ProtocolError.DecryptionFailed, "No current session, and no archived session decrypts the message.");
    }

    private static void CheckSessionVersion(SessionState state, SignalMessage message)
    {
        if (state.Version != message.MessageVersion)
        {
            ThrowHelper.ThrowProtocol(ProtocolError.UnrecognizedVersion, "The message version does not match the session's.");
        }
    }

    private bool IsSelfSession(SessionState state, ProtocolAddress remote) =>
        state.LocalIdentity.IsSameAccount(LocalAddress, state.RemoteIdentity, remote);

    private static void CheckAddress(ProtocolAddress remote)
    {
        if (remote.Name is null)
        {
            ThrowHelper.ThrowArgument(nameof(remote), "The remote address is unset.");
        }
    }

    private static ProtocolException NoSession(ProtocolAddress remote) =>
        new(ProtocolError.SessionNotFound, "No usable session with this address.", remote);

    private static ProtocolException Untrusted(ProtocolAddress remote) =>
        new(ProtocolError.UntrustedIdentity, "The identity key of this address is not trusted.", remote);
}
