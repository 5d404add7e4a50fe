using Microsoft.AspNetCore.Http.Metadata;

namespace Sotto.Server.Infrastructure;

internal static class EndpointExtensions
{
    /// <summary>
    /// Caps the request body of an endpoint below Kestrel's global limit (<see cref="IRequestSizeLimitMetadata"/>,
    /// applied by endpoint routing before the body is read); larger bodies get a 413 problem.
    /// </summary>
    public static TBuilder WithRequestSizeLimit<TBuilder>(this TBuilder builder, long maxBytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimit(maxBytes));

    private sealed class RequestSizeLimit(long maxBytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize { get; } = maxBytes;
    }
}
