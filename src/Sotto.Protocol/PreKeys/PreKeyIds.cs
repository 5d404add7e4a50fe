namespace Sotto.Protocol;

/// <summary>Identifies a one-time EC prekey among this device's (libsignal <c>state/prekey.rs</c>).</summary>
public readonly record struct PreKeyId(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Identifies a signed EC prekey among this device's.</summary>
public readonly record struct SignedPreKeyId(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Identifies a Kyber prekey (one-time or last-resort) among this device's.</summary>
public readonly record struct KyberPreKeyId(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
