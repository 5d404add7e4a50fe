using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace Sotto.Crypto;

/// <summary>
/// The algorithms of FIPS 203 for one parameter set (k, d_u, d_v; η1 = η2 = 2, as for ML-KEM-768 and -1024):
/// K-PKE (Algorithms 13–15) and ML-KEM's internal key generation, encapsulation and decapsulation
/// (Algorithms 16–18). <see cref="MlKem"/> owns the public API, draws randomness and checks buffer sizes; this
/// type assumes every span has its exact size.
/// </summary>
/// <remarks>
/// <code>
///   KeyGen(d, z)    (ρ, σ) = G(d ‖ k)    Â[i,j] = SampleNTT(ρ ‖ j ‖ i)    s, e = CBD(PRF(σ, 0 … 2k−1))
///                   t̂ = Â ∘ NTT(s) + NTT(e)        ek = t̂ ‖ ρ        dk = ŝ ‖ ek ‖ H(ek) ‖ z
///   Encaps(ek, m)   (K, r) = G(m ‖ H(ek))           c = K-PKE.Encrypt(ek, m, r)
///   Decaps(dk, c)   m' = K-PKE.Decrypt(ŝ, c)    (K', r') = G(m' ‖ h)    K̄ = J(z ‖ c)
///                   K = K' if K-PKE.Encrypt(ek, m', r') = c else K̄        (constant-time compare and select)
/// </code>
/// The k² XOF streams of Â and the PRF streams of the noise are independent, so with AVX2 they run four at a time
/// (<see cref="Keccak.Permute4"/>). Secrets (σ, s, e, r, m, K and everything derived) live in stack buffers that are
/// zeroed before returning; decapsulation does not branch on, or index memory by, any of them — including whether
/// the ciphertext was rejected.
/// </remarks>
internal sealed class MlKemEngine
{
    private const int N = MlKemPoly.N;
    private const int MaxK = 4;
    private const int PolyBytes = 384;
    private const int SymBytes = 32;
    private const int XofBlocks = 3;

    private readonly int _k;
    private readonly int _du;
    private readonly int _dv;
    private readonly bool _vectorized;

    /// <summary>
    /// An engine for (k, d_u, d_v). <paramref name="vectorized"/> = <see langword="false"/> forces the portable
    /// scalar kernels and one-at-a-time Keccak (the path of machines without AVX2), so tests can compare both paths.
    /// </summary>
    internal MlKemEngine(int k, int du, int dv, bool vectorized = true)
    {
        _k = k;
        _du = du;
        _dv = dv;
        _vectorized = vectorized && Avx2.IsSupported;
    }

    internal int PublicKeySize => (PolyBytes * _k) + SymBytes;

    internal int SecretKeySize => (2 * PolyBytes * _k) + (3 * SymBytes);

    internal int CiphertextSize => 32 * ((_du * _k) + _dv);

    /// <summary>ML-KEM.KeyGen_internal(d, z) (FIPS 203 Algorithm 16).</summary>
    [SkipLocalsInit]
    internal void GenerateKeyPair(ReadOnlySpan<byte> d, ReadOnlySpan<byte> z, Span<byte> publicKey, Span<byte> secretKey)
    {
        int k = _k;
        Span<byte> rhoSigma = stackalloc byte[2 * SymBytes];
        Span<short> matrix = stackalloc short[MaxK * MaxK * N];
        Span<short> noise = stackalloc short[2 * MaxK * N];
        Span<short> t = stackalloc short[MaxK * N];
        try
        {
            Keccak.Sha3_512(d, [(byte)k], rhoSigma);
            var rho = rhoSigma[..SymBytes];
            var sigma = rhoSigma[SymBytes..];

            matrix = matrix[..(k * k * N)];
            noise = noise[..(2 * k * N)];
            t = t[..(k * N)];
            SampleMatrix(rho, transposed: false, matrix, default, default, default);
            SampleNoise(sigma, 0, noise);
            for (int i = 0; i < 2 * k; i++)
            {
                Ntt(noise.Slice(i * N, N));
            }

            var s = noise[..(k * N)];
            var e = noise[(k * N)..];
            for (int i = 0; i < k; i++)
            {
                var ti = t.Slice(i * N, N);
                BaseMulAccumulate(ti, matrix.Slice(i * k * N, k * N), s, k);
                ToMontgomery(ti);
            }

            MlKemPoly.Add(t, e);
            Reduce(t);

            for (int i = 0; i < k; i++)
            {
                Encode12(t.Slice(i * N, N), publicKey.Slice(i * PolyBytes, PolyBytes));
                Encode12(s.Slice(i * N, N), secretKey.Slice(i * PolyBytes, PolyBytes));
            }

            rho.CopyTo(publicKey[(k * PolyBytes)..]);
            var embedded = secretKey.Slice(k * PolyBytes, PublicKeySize);
            publicKey.CopyTo(embedded);
            Keccak.Sha3_256(publicKey, secretKey.Slice((k * PolyBytes) + PublicKeySize, SymBytes));
            z.CopyTo(secretKey[^SymBytes..]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rhoSigma);
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(noise));
        }
    }

    /// <summary>
    /// Checks the encapsulation key (FIPS 203 §7.2 modulus check: every 12-bit coefficient of t̂ below q).
    /// The length is the caller's to check.
    /// </summary>
    [SkipLocalsInit]
    internal bool IsValidPublicKey(ReadOnlySpan<byte> publicKey)
    {
        Span<short> t = stackalloc short[MaxK * N];
        return TryDecodePublicKey(publicKey, t[..(_k * N)]);
    }

    /// <summary>
    /// ML-KEM.Encaps_internal(ek, m) (FIPS 203 Algorithm 17); <see langword="false"/> when ek fails the modulus check.
    /// </summary>
    [SkipLocalsInit]
    internal bool TryEncapsulate(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Span<short> t = stackalloc short[MaxK * N];
        t = t[..(_k * N)];
        if (!TryDecodePublicKey(publicKey, t))
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SymBytes];
        Span<byte> keyAndCoins = stackalloc byte[2 * SymBytes];
        Span<short> matrix = stackalloc short[MaxK * MaxK * N];
        matrix = matrix[..(_k * _k * N)];
        try
        {
            // H(ek) does not depend on Â: its sponge shares the four-way permutations of the matrix XOFs.
            SampleMatrix(publicKey[(_k * PolyBytes)..], transposed: true, matrix, new Rate136Lane(publicKey, [], Keccak.Sha3Domain, hash), default, default);
            Keccak.Sha3_512(message, hash, keyAndCoins);
            Encrypt(t, matrix, message, keyAndCoins[SymBytes..], ciphertext);
            keyAndCoins[..SymBytes].CopyTo(sharedSecret);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyAndCoins);
        }
    }

    /// <summary>
    /// ML-KEM.Decaps_internal(dk, c) (FIPS 203 Algorithm 18) after the §7.3 hash check; <see langword="false"/>
    /// when H(ek) stored in dk does not match ek stored in dk. A ciphertext that fails re-encryption yields the
    /// implicit-rejection secret J(z ‖ c), selected in constant time. When <paramref name="ciphertextHash"/> is not
    /// empty it receives SHA3-256(c) (Kyber's key derivation needs it), computed alongside the other hashes.
    /// </summary>
    [SkipLocalsInit]
    internal bool TryDecapsulate(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret, Span<byte> ciphertextHash = default)
    {
        int k = _k;
        var secretPke = secretKey[..(k * PolyBytes)];
        var publicKey = secretKey.Slice(k * PolyBytes, PublicKeySize);
        var publicKeyHash = secretKey.Slice((k * PolyBytes) + PublicKeySize, SymBytes);
        var z = secretKey[^SymBytes..];

        Span<byte> hash = stackalloc byte[SymBytes];
        Span<byte> message = stackalloc byte[SymBytes];
        Span<byte> keyAndCoins = stackalloc byte[2 * SymBytes];
        Span<byte> rejection = stackalloc byte[SymBytes];
        Span<byte> reencrypted = stackalloc byte[CiphertextSize];
        Span<short> t = stackalloc short[MaxK * N];
        Span<short> matrix = stackalloc short[MaxK * MaxK * N];
        t = t[..(k * N)];
        matrix = matrix[..(k * k * N)];
        try
        {
            // H(ek) for the hash check, J(z ‖ c) and H(c) are independent of each other and of Âᵀ (for the
            // re-encryption): all share the four-way permutations of the matrix XOFs.
            SampleMatrix(
                publicKey[(k * PolyBytes)..],
                transposed: true,
                matrix,
                new Rate136Lane(publicKey, [], Keccak.Sha3Domain, hash),
                new Rate136Lane(z, ciphertext, Keccak.ShakeDomain, rejection),
                new Rate136Lane(ciphertext, [], Keccak.Sha3Domain, ciphertextHash));
            if (!CryptographicOperations.FixedTimeEquals(hash, publicKeyHash))
            {
                return false;
            }

            Decrypt(secretPke, ciphertext, message);
            Keccak.Sha3_512(message, publicKeyHash, keyAndCoins);
            _ = TryDecodePublicKey(publicKey, t);
            Encrypt(t, matrix, message, keyAndCoins[SymBytes..], reencrypted);

            int equal = EqualMask(ciphertext, reencrypted);
            var key = keyAndCoins[..SymBytes];
            for (int i = 0; i < SymBytes; i++)
            {
                sharedSecret[i] = unchecked((byte)((key[i] & equal) | (rejection[i] & ~equal)));
            }

            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(message);
            CryptographicOperations.ZeroMemory(keyAndCoins);
            CryptographicOperations.ZeroMemory(rejection);
            CryptographicOperations.ZeroMemory(reencrypted);
        }
    }

    /// <summary>K-PKE.Encrypt(ek, m, r) (FIPS 203 Algorithm 14) with t̂ decoded and Âᵀ sampled.</summary>
    [SkipLocalsInit]
    private void Encrypt(ReadOnlySpan<short> t, ReadOnlySpan<short> matrix, ReadOnlySpan<byte> message, ReadOnlySpan<byte> coins, Span<byte> ciphertext)
    {
        int k = _k;
        Span<short> noise = stackalloc short[((2 * MaxK) + 1) * N];
        Span<short> u = stackalloc short[MaxK * N];
        Span<short> v = stackalloc short[N];
        Span<short> m = stackalloc short[N];
        noise = noise[..(((2 * k) + 1) * N)];
        u = u[..(k * N)];
        try
        {
            SampleNoise(coins, 0, noise);
            var r = noise[..(k * N)];
            var e1 = noise.Slice(k * N, k * N);
            var e2 = noise.Slice(2 * k * N, N);
            for (int i = 0; i < k; i++)
            {
                Ntt(r.Slice(i * N, N));
            }

            for (int i = 0; i < k; i++)
            {
                var ui = u.Slice(i * N, N);
                BaseMulAccumulate(ui, matrix.Slice(i * k * N, k * N), r, k);
                InvNtt(ui);
            }

            MlKemPoly.Add(u, e1);
            Reduce(u);

            BaseMulAccumulate(v, t, r, k);
            InvNtt(v);
            FromMessage(message, m);
            MlKemPoly.Add(v, e2);
            MlKemPoly.Add(v, m);
            Reduce(v);

            for (int i = 0; i < k; i++)
            {
                CompressEncode(u.Slice(i * N, N), _du, ciphertext.Slice(32 * _du * i, 32 * _du));
            }

            CompressEncode(v, _dv, ciphertext.Slice(32 * _du * k, 32 * _dv));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(noise));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(u));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(v));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(m));
        }
    }

    /// <summary>K-PKE.Decrypt(dk_PKE, c) (FIPS 203 Algorithm 15).</summary>
    [SkipLocalsInit]
    private void Decrypt(ReadOnlySpan<byte> secretPke, ReadOnlySpan<byte> ciphertext, Span<byte> message)
    {
        int k = _k;
        Span<short> s = stackalloc short[MaxK * N];
        Span<short> u = stackalloc short[MaxK * N];
        Span<short> w = stackalloc short[N];
        Span<short> v = stackalloc short[N];
        s = s[..(k * N)];
        u = u[..(k * N)];
        try
        {
            for (int i = 0; i < k; i++)
            {
                Decode12(secretPke.Slice(i * PolyBytes, PolyBytes), s.Slice(i * N, N));
                var ui = u.Slice(i * N, N);
                DecodeDecompress(ciphertext.Slice(32 * _du * i, 32 * _du), _du, ui);
                Ntt(ui);
            }

            BaseMulAccumulate(w, s, u, k);
            InvNtt(w);
            DecodeDecompress(ciphertext.Slice(32 * _du * k, 32 * _dv), _dv, v);
            MlKemPoly.SubtractFrom(w, v);
            Reduce(w);
            ToMessage(w, message);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(s));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(u));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(w));
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(v));
        }
    }

    private bool TryDecodePublicKey(ReadOnlySpan<byte> publicKey, Span<short> t)
    {
        bool valid = true;
        for (int i = 0; i < _k; i++)
        {
            valid &= Decode12(publicKey.Slice(i * PolyBytes, PolyBytes), t.Slice(i * N, N));
        }

        return valid;
    }

    /// <summary>
    /// Â (or Âᵀ) in NTT form, row-major: entry (i, j) is SampleNTT(ρ ‖ j ‖ i), or SampleNTT(ρ ‖ i ‖ j) when
    /// <paramref name="transposed"/>, so that row i times a vector is row i of Â·v (or Âᵀ·v). Up to three rate-136
    /// hashes the caller needs anyway (<paramref name="hash0"/> … <paramref name="hash2"/>; <see langword="default"/>
    /// for none) run alongside.
    /// </summary>
    /// <remarks>
    /// Vectorized, the k² XOF streams and the hashes are jobs for the four lanes of <see cref="KeccakState4"/>:
    /// the hashes take the first lanes (they are longest: 9 to 12 permutations), matrix entries the others, and a
    /// lane that finishes its job takes the next matrix entry. A matrix job ends when its polynomial has 256
    /// coefficients (three blocks of 168 bytes nearly always suffice); a hash job ends after its padded last block.
    /// </remarks>
    [SkipLocalsInit]
    private void SampleMatrix(ReadOnlySpan<byte> rho, bool transposed, Span<short> matrix, scoped in Rate136Lane hash0, scoped in Rate136Lane hash1, scoped in Rate136Lane hash2)
    {
        if (_vectorized)
        {
            SampleMatrixFourWay(rho, transposed, matrix, hash0, hash1, hash2);
            return;
        }

        hash0.ComputeScalar();
        hash1.ComputeScalar();
        hash2.ComputeScalar();
        const int rate = Keccak.Shake128Rate;
        Span<byte> stream = stackalloc byte[XofBlocks * rate];
        for (int e = 0; e < _k * _k; e++)
        {
            KeccakState state = default;
            ushort suffix = XofSuffix(e, transposed);
            Keccak.AbsorbFinal(ref state, rate, rho, [unchecked((byte)suffix), (byte)(suffix >> 8)], Keccak.ShakeDomain);
            var poly = matrix.Slice(e * N, N);
            Keccak.SqueezeBlocks(ref state, rate, stream);
            int count = MlKemPoly.RejectionSample(poly, 0, stream);
            while (count < N)
            {
                Keccak.SqueezeBlocks(ref state, rate, stream[..rate]);
                count = MlKemPoly.RejectionSample(poly, count, stream[..rate]);
            }
        }
    }

    [SkipLocalsInit]
    private void SampleMatrixFourWay(ReadOnlySpan<byte> rho, bool transposed, Span<short> matrix, scoped in Rate136Lane hash0, scoped in Rate136Lane hash1, scoped in Rate136Lane hash2)
    {
        const int idle = -1; // StartMatrixJob's mark for a lane with nothing left to do
        const int firstHash = -2; // job −2 − i is hash i; jobs ≥ 0 are matrix entries
        KeccakState4 state = default;
        // Lane t of word i is element 4i + t.
        Span<ulong> words = MemoryMarshal.Cast<Vector256<ulong>, ulong>((Span<Vector256<ulong>>)state);
        Span<int> job = stackalloc int[4];
        Span<int> progress = stackalloc int[4];
        Span<byte> block = stackalloc byte[Keccak.Shake128Rate];
        try
        {
            int nextEntry = 0, lane = 0;
            for (int i = 0; i < 3; i++)
            {
                if (!Hash(i, hash0, hash1, hash2).Output.IsEmpty)
                {
                    job[lane] = firstHash - i;
                    progress[lane++] = 0;
                }
            }

            for (; lane < 4; lane++)
            {
                StartMatrixJob(lane, words, job, progress, ref nextEntry, rho, transposed);
            }

            while (job[0] != idle || job[1] != idle || job[2] != idle || job[3] != idle)
            {
                for (int t = 0; t < 4; t++)
                {
                    if (job[t] <= firstHash)
                    {
                        Hash(firstHash - job[t], hash0, hash1, hash2).FillBlock(progress[t], block[..Keccak.Shake256Rate]);
                        for (int i = 0; i < Keccak.Shake256Rate / 8; i++)
                        {
                            words[(4 * i) + t] ^= BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(8 * i, 8));
                        }
                    }
                }

                Keccak.Permute4(ref state);

                for (int t = 0; t < 4; t++)
                {
                    if (job[t] >= 0)
                    {
                        for (int i = 0; i < Keccak.Shake128Rate / 8; i++)
                        {
                            BinaryPrimitives.WriteUInt64LittleEndian(block.Slice(8 * i, 8), words[(4 * i) + t]);
                        }

                        progress[t] = MlKemPolyAvx2.RejectionSample(matrix.Slice(job[t] * N, N), progress[t], block);
                        if (progress[t] == N)
                        {
                            StartMatrixJob(t, words, job, progress, ref nextEntry, rho, transposed);
                        }
                    }
                    else if (job[t] <= firstHash)
                    {
                        ref readonly var hash = ref Hash(firstHash - job[t], hash0, hash1, hash2);
                        if (++progress[t] == hash.Blocks)
                        {
                            var output = hash.Output;
                            for (int i = 0; i < output.Length; i++)
                            {
                                output[i] = unchecked((byte)(words[(4 * (i >> 3)) + t] >> (8 * (i & 7))));
                            }

                            StartMatrixJob(t, words, job, progress, ref nextEntry, rho, transposed);
                        }
                    }
                }
            }
        }
        finally
        {
            Keccak.Clear(ref state);
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>
    /// Points lane <paramref name="t"/> at the next matrix entry (its state zeroed, ρ and the index bytes absorbed and
    /// padded), or marks it idle when every entry is taken.
    /// </summary>
    private void StartMatrixJob(int t, Span<ulong> words, Span<int> job, Span<int> progress, ref int nextEntry, ReadOnlySpan<byte> rho, bool transposed)
    {
        for (int i = 0; i < 25; i++)
        {
            words[(4 * i) + t] = 0;
        }

        if (nextEntry == _k * _k)
        {
            job[t] = -1;
            return;
        }

        // SHAKE128(ρ ‖ two index bytes): 34 bytes, then the domain bits, then the final bit of the 168-byte block.
        for (int i = 0; i < 4; i++)
        {
            words[(4 * i) + t] = BinaryPrimitives.ReadUInt64LittleEndian(rho.Slice(8 * i, 8));
        }

        words[(4 * 4) + t] = XofSuffix(nextEntry, transposed) | ((ulong)Keccak.ShakeDomain << 16);
        words[(4 * ((Keccak.Shake128Rate / 8) - 1)) + t] = 0x80UL << 56;
        job[t] = nextEntry++;
        progress[t] = 0;
    }

    private static ref readonly Rate136Lane Hash(int index, in Rate136Lane hash0, in Rate136Lane hash1, in Rate136Lane hash2)
    {
        if (index == 0)
        {
            return ref hash0;
        }

        return ref index == 1 ? ref hash1 : ref hash2;
    }

    /// <summary>XOF input bytes 32 and 33 of matrix entry <paramref name="entry"/> (row-major), as a little-endian ushort.</summary>
    private ushort XofSuffix(int entry, bool transposed)
    {
        int i = entry / _k, j = entry % _k;
        return transposed ? (ushort)(i | (j << 8)) : (ushort)(j | (i << 8));
    }

    /// <summary>
    /// CBD_2(PRF(seed, firstNonce + n)) for each polynomial n of <paramref name="polys"/> (FIPS 203 Algorithms 13
    /// and 14 draw s, e and r, e1, e2 this way, nonces counting up from 0).
    /// </summary>
    [SkipLocalsInit]
    private void SampleNoise(ReadOnlySpan<byte> seed, int firstNonce, Span<short> polys)
    {
        int count = polys.Length / N;
        const int rate = Keccak.Shake256Rate;
        const int bytesPerPoly = 64 * 2;
        Span<byte> stream = stackalloc byte[4 * rate];
        try
        {
            if (!_vectorized)
            {
                for (int n = 0; n < count; n++)
                {
                    Keccak.Shake256(seed, [(byte)(firstNonce + n)], stream[..bytesPerPoly]);
                    MlKemPoly.SampleCbd2(stream, polys.Slice(n * N, N));
                }

                return;
            }

            for (int first = 0; first < count; first += 4)
            {
                int lanes = Math.Min(4, count - first);
                byte nonce = (byte)(firstNonce + first);
                KeccakState4 state = default;
                Keccak.AbsorbShake256x4(ref state, seed, nonce, (byte)(nonce + 1), (byte)(nonce + 2), (byte)(nonce + 3));
                Keccak.SqueezeBlock4(ref state, rate, stream[..rate], stream.Slice(rate, rate), stream.Slice(2 * rate, rate), stream.Slice(3 * rate, rate));
                Keccak.Clear(ref state);
                for (int lane = 0; lane < lanes; lane++)
                {
                    MlKemPolyAvx2.SampleCbd2(stream.Slice(lane * rate, bytesPerPoly), polys.Slice((first + lane) * N, N));
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(stream);
        }
    }

    private void Ntt(Span<short> poly)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.Ntt(poly);
        }
        else
        {
            MlKemPoly.NttScalar(poly);
        }
    }

    private void InvNtt(Span<short> poly)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.InvNtt(poly);
        }
        else
        {
            MlKemPoly.InvNttScalar(poly);
        }
    }

    private void BaseMulAccumulate(Span<short> result, ReadOnlySpan<short> a, ReadOnlySpan<short> b, int count)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.BaseMulAccumulate(result, a, b, count);
        }
        else
        {
            MlKemPoly.BaseMulAccumulateScalar(result, a, b, count);
        }
    }

    private void Reduce(Span<short> polys)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.Reduce(polys);
        }
        else
        {
            MlKemPoly.ReduceScalar(polys);
        }
    }

    private void CompressEncode(ReadOnlySpan<short> poly, int d, Span<byte> bytes)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.CompressEncode(poly, d, bytes);
        }
        else
        {
            MlKemPoly.CompressEncode(poly, d, bytes);
        }
    }

    private void DecodeDecompress(ReadOnlySpan<byte> bytes, int d, Span<short> poly)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.DecodeDecompress(bytes, d, poly);
        }
        else
        {
            MlKemPoly.DecodeDecompress(bytes, d, poly);
        }
    }

    private void Encode12(ReadOnlySpan<short> poly, Span<byte> bytes)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.Encode12(poly, bytes);
        }
        else
        {
            MlKemPoly.Encode12(poly, bytes);
        }
    }

    private bool Decode12(ReadOnlySpan<byte> bytes, Span<short> poly) =>
        _vectorized ? MlKemPolyAvx2.Decode12(bytes, poly) : MlKemPoly.Decode12(bytes, poly);

    private void ToMessage(ReadOnlySpan<short> poly, Span<byte> message)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.ToMessage(poly, message);
        }
        else
        {
            MlKemPoly.ToMessage(poly, message);
        }
    }

    private void FromMessage(ReadOnlySpan<byte> message, Span<short> poly)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.FromMessage(message, poly);
        }
        else
        {
            MlKemPoly.FromMessage(message, poly);
        }
    }

    private void ToMontgomery(Span<short> polys)
    {
        if (_vectorized)
        {
            MlKemPolyAvx2.ToMontgomery(polys);
        }
        else
        {
            MlKemPoly.ToMontgomery(polys);
        }
    }

    /// <summary>All ones when <paramref name="a"/> and <paramref name="b"/> (same length) are equal, else zero; constant time.</summary>
    private static int EqualMask(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int difference = 0;
        for (int i = 0; i < a.Length; i++)
        {
            difference |= a[i] ^ b[i];
        }

        return (difference - 1) >> 31;
    }
}
