using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// <c>Database:MaxRetryTimeSeconds</c> left unset is derived from the request deadline and the keep-alive interval; a long
/// deadline (allowed up to an hour) must not make that derived value one the setting's range refuses, stopping the start.
/// </summary>
public class DatabaseRetryTimeTests
{
    [TestCase("3600", "0")]
    [TestCase("900", "600")]
    public async Task A_long_request_deadline_does_not_stop_the_start(string requestSeconds, string keepAliveSeconds)
    {
        using var factory = new ServerFactory(new()
        {
            ["Deadlines:RequestSeconds"] = requestSeconds,
            ["ChatKit:KeepAliveSeconds"] = keepAliveSeconds,
        });
        var client = factory.ClientFor("alice");

        (await client.ListThreadsAsync()).Data.Should().BeEmpty();
    }
}
