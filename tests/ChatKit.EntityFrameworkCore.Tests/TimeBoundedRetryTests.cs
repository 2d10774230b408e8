using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatKit.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatKit.EntityFrameworkCore.Tests;

/// <summary>
/// An app that embeds the store on PostgreSQL bounds its retries in time (<c>EnableRetryOnFailureWithin</c>), as ChatKitServer
/// does with <c>Database:MaxRetryTimeSeconds</c>: an operation against a database that does not answer fails after retrying
/// within the budget. With EF's count-only retries (the default, 6 retries backing off up to 30 s) the same read takes over a
/// minute. Nothing listens on the port: no PostgreSQL is needed.
/// </summary>
public class TimeBoundedRetryTests
{
    [Test]
    public async Task A_read_against_a_database_that_does_not_answer_retries_then_fails_within_the_budget()
    {
        await using var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql($"Host=127.0.0.1;Port={UnusedPort()};Database=chatkit;Username=chatkit;Timeout=2",
                npgsql => npgsql.EnableRetryOnFailureWithin(TimeSpan.FromSeconds(3), maxRetryCount: 100, maxRetryDelay: TimeSpan.FromSeconds(1))))
            .BuildServiceProvider();
        var store = services.GetRequiredService<IChatKitStore>();
        var clock = Stopwatch.StartNew();

        var read = store.LoadThreadsAsync(20, null, SortOrder.Desc, new ChatKitContext { UserId = "alice" });
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30)));

        finished.Should().BeSameAs(read, "the read stops retrying within its 3 s budget (100 retries a second apart, counted only, would take over 100 s)");
        var failure = await ((Func<Task>)(() => read)).Should().ThrowAsync<Exception>();
        failure.Which.ToString().Should().Contain("RetryLimitExceeded", "it gave up after retrying, not at the first attempt");
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(0.5)).And.BeLessThan(TimeSpan.FromSeconds(20), "3 s of retries, and building the model on a busy machine");
    }

    [Test]
    public void A_budget_that_is_not_positive_is_refused_where_it_is_set()
    {
        var services = new ServiceCollection()
            .AddChatKitEntityFrameworkStore(store => store.UsePostgreSql("Host=127.0.0.1;Database=chatkit", npgsql => npgsql.EnableRetryOnFailureWithin(TimeSpan.Zero)))
            .BuildServiceProvider();

        var resolve = () => services.GetRequiredService<IChatKitStore>().LoadThreadsAsync(1, null, SortOrder.Desc, new ChatKitContext { UserId = "alice" });

        resolve.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*maxRetryTime*").Wait();
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
