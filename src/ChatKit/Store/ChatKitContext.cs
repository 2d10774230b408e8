namespace ChatKit;

/// <summary>Who is asking and how: every store call and responder sees it.</summary>
public sealed class ChatKitContext
{
    /// <summary>The caller's user id; the store scopes every record to it.</summary>
    public required string UserId { get; init; }

    /// <summary>The request's locale (from <c>Accept-Language</c>), e.g. <c>fr</c>; null when none was sent.</summary>
    public string? Locale { get; init; }

    /// <summary>Whether the caller is an administrator of the host (who may, for example, read any widget stream).</summary>
    public bool IsAdmin { get; init; }

    /// <summary>The request's metadata (<c>metadata</c> of the request body).</summary>
    public System.Text.Json.Nodes.JsonObject RequestMetadata { get; set; } = [];

    /// <summary>
    /// Cancelled when the host is shutting down. A stream cut then was not cancelled by the user, and the
    /// engine's hidden note says so (<see cref="ChatKitEngineOptions.ShutdownNote"/>).
    /// </summary>
    public CancellationToken ServerStopping { get; init; }

    /// <summary>A bag for integrations to pass their own per-request values to responders.</summary>
    public IDictionary<string, object?> Items { get; } = new Dictionary<string, object?>();
}
