using Sotto.Crypto;
using Sotto.Mls.Framing;
using Sotto.Mls.KeySchedule;
using Sotto.Mls.Messages;
using Sotto.Mls.TreeMath;
using Sotto.Mls.TreeSync;

namespace Sotto.Mls.Groups;

public sealed partial class MlsGroup
{
    /// <summary>
    /// Joins a group from a Welcome (§12.4.3.1): finds this client's secrets, decrypts the GroupInfo, validates
    /// the ratchet tree (inside the GroupInfo, or <paramref name="ratchetTree"/> delivered beside the Welcome) and the
    /// confirmation tag, and derives the epoch. The bundle's keys are copied; the bundle stays the caller's.
    /// </summary>
    public static MlsGroup JoinFromWelcome(Welcome welcome, KeyPackageBundle bundle, RatchetTree? ratchetTree, MlsGroupOptions options, IRandom random)
    {
        ArgumentNullException.ThrowIfNull(welcome);
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        using var decrypted = DecryptWelcome(welcome, bundle.KeyPackage, bundle.InitKey, options);
        var (suite, groupSecrets, groupInfo, joiner, psk) = (decrypted.Suite, decrypted.GroupSecrets, decrypted.GroupInfo, decrypted.Joiner, decrypted.Psk);
        var context = groupInfo.GroupContext;
        var tree = ResolveTree(groupInfo, ratchetTree);
        VerifyGroupInfo(groupInfo, tree, suite, options);

        LeafIndex? own = null;
        var ownEncoded = bundle.KeyPackage.LeafNode.Encoded;
        foreach (var (index, leaf) in tree.Members())
        {
            if (leaf.Encoded.AsSpan().SequenceEqual(ownEncoded))
            {
                own = index;
                break;
            }
        }

        if (own is null)
        {
            throw new MlsException(MlsError.InvalidWelcome, "The ratchet tree does not contain this client's leaf.");
        }

        var leafKey = new HpkeKeyPair(new SecretBytes(bundle.EncryptionKey.PrivateKey.Span), bundle.EncryptionKey.PublicKey);
        var keys = new TreePrivateKeys(own.Value, leafKey);
        if (groupSecrets.PathSecret is { } pathSecretBytes)
        {
            var ancestor = Tree.CommonAncestor(own.Value.Node, new LeafIndex(groupInfo.Signer).Node);
            using var pathSecret = new PathSecret(pathSecretBytes);
            TreeKem.ImplantPathSecret(suite, tree, keys, ancestor, pathSecret);
        }

        var secrets = KeyScheduler.DeriveEpochSecrets(joiner, psk, context.Encoded);
        if (!secrets.ConfirmationKey.Verify(context.ConfirmedTranscriptHash, groupInfo.ConfirmationTag))
        {
            secrets.Dispose();
            keys.Dispose();
            throw new MlsException(MlsError.InvalidConfirmationTag, "The GroupInfo's confirmation tag does not verify.");
        }

        var epoch = new EpochState
        {
            Suite = suite,
            Context = context,
            Tree = tree,
            Keys = keys,
            Secrets = secrets,
            SecretTree = new SecretTree(suite, secrets.EncryptionSecret, tree.LeafCount),
            InterimTranscriptHash = TranscriptHash.Interim(context.ConfirmedTranscriptHash, groupInfo.ConfirmationTag),
            ConfirmationTag = groupInfo.ConfirmationTag,
        };
        return new MlsGroup(epoch, bundle.Signer, options, random);
    }

    /// <summary>
    /// The first half of joining (§12.4.3.1): finds this KeyPackage's entry, decrypts the GroupSecrets, derives the
    /// welcome secret (with the PSKs) and decrypts the GroupInfo. Nothing in the GroupInfo is verified yet.
    /// </summary>
    internal static DecryptedWelcome DecryptWelcome(Welcome welcome, KeyPackage keyPackage, HpkeKeyPair initKey, MlsGroupOptions options)
    {
        var suite = CipherSuite.FromId(welcome.CipherSuite);
        if (keyPackage.CipherSuite != suite.Id)
        {
            throw new MlsException(MlsError.InvalidWelcome, "The Welcome's cipher suite does not match the KeyPackage.");
        }

        var reference = keyPackage.Ref;
        var entry = welcome.Secrets.FirstOrDefault(s => s.NewMember.AsSpan().SequenceEqual(reference))
            ?? throw new MlsException(MlsError.WelcomeNotForUs, "The Welcome has no secrets for this KeyPackage.");
        var secretsBytes = suite.DecryptWithLabel(initKey.PrivateKey.Span, "Welcome"u8, welcome.EncryptedGroupInfo, entry.EncryptedSecrets.KemOutput, entry.EncryptedSecrets.Ciphertext)
            ?? throw new MlsException(MlsError.DecryptionFailed, "The Welcome's group secrets do not decrypt.");
        GroupSecrets groupSecrets;
        try
        {
            groupSecrets = GroupSecrets.Decode(secretsBytes);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secretsBytes);
        }

        PskSecret? psk = null;
        JoinerSecret? joiner = null;
        try
        {
            if (groupSecrets.JoinerSecret.Length != CipherSuite.HashSize || groupSecrets.PathSecret is { Length: not CipherSuite.HashSize })
            {
                throw new MlsException(MlsError.InvalidWelcome, "The Welcome's secrets have the wrong length.");
            }

            var psks = new List<(PreSharedKeyId, byte[])>();
            foreach (var id in groupSecrets.Psks)
            {
                psks.Add((id, LookupPsk(id, options, null)));
            }

            psk = KeyScheduler.DerivePskSecret(psks);
            joiner = new JoinerSecret(groupSecrets.JoinerSecret);
            using var welcomeSecret = KeyScheduler.DeriveWelcomeSecret(joiner, psk);
            var (key, nonce) = KeyScheduler.WelcomeKeyAndNonce(suite, welcomeSecret);
            var groupInfoBytes = suite.AeadOpen(key, nonce, [], welcome.EncryptedGroupInfo);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            if (groupInfoBytes is null)
            {
                throw new MlsException(MlsError.DecryptionFailed, "The Welcome's GroupInfo does not decrypt.");
            }

            var groupInfo = GroupInfoIn.Decode(groupInfoBytes);
            if (groupInfo.GroupContext.CipherSuite != suite.Id)
            {
                throw new MlsException(MlsError.InvalidWelcome, "The GroupInfo's cipher suite does not match the Welcome.");
            }

            return new DecryptedWelcome(suite, groupSecrets, groupInfo, joiner, psk);
        }
        catch
        {
            groupSecrets.Dispose();
            psk?.Dispose();
            joiner?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Joins a group by external commit (§12.4.3.2) from its GroupInfo (which must carry external_pub) and tree:
    /// encapsulates a new init secret to the group's external key, takes the leftmost free leaf, and commits with a
    /// full path. With <paramref name="resync"/> the commit also removes this client's previous leaf, found by its
    /// credential. The returned group is already in the new epoch; discard it if the Delivery Service rejects the commit.
    /// </summary>
    public static (MlsGroup Group, MlsMessage Commit) JoinExternal(
        GroupInfoIn groupInfo, RatchetTree? ratchetTree, Credential credential, SignaturePrivateKey signer, MlsGroupOptions options, IRandom random,
        bool resync = false, Capabilities? capabilities = null, IReadOnlyList<byte[]>? externalPskIds = null)
    {
        ArgumentNullException.ThrowIfNull(groupInfo);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        var oldContext = groupInfo.GroupContext;
        var suite = CipherSuite.FromId(oldContext.CipherSuite);
        var tree = ResolveTree(groupInfo, ratchetTree);
        VerifyGroupInfo(groupInfo, tree, suite, options);
        var externalPubExtension = Extension.Find(groupInfo.Extensions, ExtensionType.ExternalPub)
            ?? throw new MlsException(MlsError.InvalidGroupInfo, "The GroupInfo has no external_pub extension.");
        var externalPub = ExternalPub.Parse(externalPubExtension.Data);
        if (externalPub.Length != CipherSuite.HpkePublicKeySize)
        {
            throw new MlsException(MlsError.InvalidGroupInfo, "The external public key has the wrong size.");
        }

        var kemOutput = new byte[Hpke.PublicKeySize];
        InitSecret init;
        try
        {
            using var hpke = suite.Hpke.SetupBaseSender(externalPub, [], random, kemOutput);
            init = KeyScheduler.ExternalInitFromContext(hpke);
        }
        catch (ArgumentException)
        {
            throw new MlsException(MlsError.InvalidGroupInfo, "The external public key is invalid.");
        }

        using (init)
        {
            var proposals = new List<CommittedProposal> { new(new ExternalInitProposal(kemOutput), Sender.NewMemberCommit, null) };
            if (resync)
            {
                var prior = tree.Members().FirstOrDefault(m => m.Leaf.Credential.ContentEquals(credential));
                if (prior.Leaf is null)
                {
                    throw new ArgumentException("No leaf of the group carries this credential.", nameof(resync));
                }

                proposals.Add(new CommittedProposal(new RemoveProposal(prior.Index.Value), Sender.NewMemberCommit, null));
            }

            foreach (var pskId in externalPskIds ?? [])
            {
                var nonce = new byte[CipherSuite.HashSize];
                random.Fill(nonce);
                proposals.Add(new CommittedProposal(new PreSharedKeyProposal(PreSharedKeyId.External(pskId, nonce)), Sender.NewMemberCommit, null));
            }

            var now = options.TimeProvider.GetUtcNow();
            var applied = ProposalApplier.Apply(suite, tree, oldContext, proposals, null, options, now, options.CheckReceivedLifetimes);
            var newTree = applied.Tree;
            var own = newTree.LeftmostFreeLeaf();
            var template = new LeafNode([], signer.PublicKey, credential, capabilities ?? Capabilities.Default(suite), LeafNodeSource.Commit, null, [], [], []);
            var placeholder = suite.GenerateKeyPair(random);
            var keys = new TreePrivateKeys(own, placeholder);
            var newEpoch = checked(oldContext.Epoch + 1);
            using var created = TreeKem.CreatePath(
                suite, newTree, keys, template, signer, oldContext.GroupId, null,
                treeHash => oldContext.With(newEpoch, treeHash, null, applied.Extensions).Encoded, random);
            placeholder.Dispose();

            var commit = new Commit([.. proposals.Select(p => ProposalOrRef.ByValue(p.Proposal))], created.Path);
            var content = FramedContent.ForCommit(oldContext.GroupId, oldContext.Epoch, Sender.NewMemberCommit, [], commit);
            var signed = AuthenticatedContent.Sign(WireFormat.PublicMessage, content, oldContext, signer);
            var interimBefore = TranscriptHash.Interim(oldContext.ConfirmedTranscriptHash, groupInfo.ConfirmationTag);
            var confirmed = TranscriptHash.Confirmed(interimBefore, signed);
            var context = oldContext.With(newEpoch, newTree.RootHash(), confirmed, applied.Extensions);
            var psks = applied.Psks.Select(id => (id, LookupPsk(id, options, null))).ToList();
            using var psk = KeyScheduler.DerivePskSecret(psks);
            using var joiner = KeyScheduler.DeriveJoinerSecret(init, created.CommitSecret, context.Encoded);
            var secrets = KeyScheduler.DeriveEpochSecrets(joiner, psk, context.Encoded);
            var tag = secrets.ConfirmationKey.Tag(confirmed);
            var final = new AuthenticatedContent(WireFormat.PublicMessage, content, new FramedContentAuthData(signed.Auth.Signature, tag));
            var epoch = new EpochState
            {
                Suite = suite,
                Context = context,
                Tree = newTree,
                Keys = keys,
                Secrets = secrets,
                SecretTree = new SecretTree(suite, secrets.EncryptionSecret, newTree.LeafCount),
                InterimTranscriptHash = TranscriptHash.Interim(confirmed, tag),
                ConfirmationTag = tag,
            };
            var message = MlsMessage.From(PublicMessage.Create(final, oldContext, []));
            return (new MlsGroup(epoch, signer, options, random), message);
        }
    }

    private static RatchetTree ResolveTree(GroupInfoIn groupInfo, RatchetTree? ratchetTree)
    {
        if (ratchetTree is not null)
        {
            return ratchetTree.Clone();
        }

        return groupInfo.RatchetTreeExtension is { } data
            ? RatchetTree.Decode(data)
            : throw new MlsException(MlsError.MissingRatchetTree, "No ratchet tree was provided with the GroupInfo.");
    }

    /// <summary>The signer's leaf signs the GroupInfo; the tree is valid and matches the GroupContext (§12.4.3.1).</summary>
    private static void VerifyGroupInfo(GroupInfoIn groupInfo, RatchetTree tree, CipherSuite suite, MlsGroupOptions options)
    {
        var signer = tree.GetLeaf(new LeafIndex(groupInfo.Signer))
            ?? throw new MlsException(MlsError.InvalidGroupInfo, "The GroupInfo signer is not a member.");
        if (!groupInfo.VerifySignature(signer.SignatureKey))
        {
            throw new MlsException(MlsError.InvalidSignature, "The GroupInfo signature does not verify.");
        }

        if (groupInfo.GroupContext.GroupId.Length is 0 or > MlsLimits.MaxGroupIdSize)
        {
            throw new MlsException(MlsError.InvalidGroupInfo, "The group id has an invalid length.");
        }

        TreeValidator.Validate(tree, groupInfo.GroupContext, suite, options.CredentialValidator, options.CheckReceivedLifetimes ? new LifetimeCheck(options.TimeProvider.GetUtcNow(), options.MaxLeafLifetime) : null);
    }
}

/// <summary>The decrypted parts of a Welcome; owns the secrets.</summary>
internal sealed class DecryptedWelcome(CipherSuite suite, GroupSecrets groupSecrets, GroupInfoIn groupInfo, JoinerSecret joiner, PskSecret psk) : IDisposable
{
    public CipherSuite Suite { get; } = suite;

    public GroupSecrets GroupSecrets { get; } = groupSecrets;

    public GroupInfoIn GroupInfo { get; } = groupInfo;

    public JoinerSecret Joiner { get; } = joiner;

    public PskSecret Psk { get; } = psk;

    public void Dispose()
    {
        GroupSecrets.Dispose();
        Joiner.Dispose();
        Psk.Dispose();
    }
}
