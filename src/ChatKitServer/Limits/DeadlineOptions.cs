using System.ComponentModel.DataAnnotations;

namespace ChatKitServer.Limits;

/// <summary>
/// How long a request may take (section <c>Deadlines</c>): Kestrel's limits on slow headers and slow
/// bodies, and the deadline of every request that is not a stream (ASP.NET Core request timeouts).
/// </summary>
public sealed class DeadlineOptions
{
    public const string Section = "Deadlines";

    /// <summary>Seconds a request may take, reading its body included, unless it is a stream (whose deadline ends when the stream starts).</summary>
    [Range(0.1, 3600)]
    public double RequestSeconds { get; set; } = 30;

    /// <summary>Seconds for uploads and for <c>POST /api/chat/message</c>, which waits for the whole answer.</summary>
    [Range(0.1, 86_400)]
    public double LongRequestSeconds { get; set; } = 300;

    /// <summary>Seconds Kestrel waits for a request's headers.</summary>
    [Range(1, 600)]
    public double RequestHeadersSeconds { get; set; } = 15;

    /// <summary>Bytes per second a body must keep arriving at, after the grace period; slower, Kestrel answers 408 and closes the connection.</summary>
    [Range(1, 100_000_000)]
    public double MinRequestBodyBytesPerSecond { get; set; } = 1024;

    /// <summary>Seconds before the body rate is first checked (more than 1: Kestrel checks once a second).</summary>
    [Range(1.01, 600)]
    public double MinRequestBodyGraceSeconds { get; set; } = 5;
}
