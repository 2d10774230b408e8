using System.Runtime.CompilerServices;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using ChatKit.Tests.Support;
using ChatKitServer.Tests.Support;

namespace ChatKitServer.Tests;

/// <summary>
/// PostgreSQL ends the server's connections under it (a restart, a failover, an administrator's
/// <c>pg_terminate_backend</c>): the pooled connections fail on their next use with 57P01, a transient error, and the
/// store's writes, like its reads, are tried again on a new connection instead of failing the request.
/// </summary>
public class DatabaseRestartTests
{
    [Test]
    public async Task A_turn_whose_database_connections_were_ended_while_it_answered_saves_its_answer_without_an_error()
    {
        var answering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var goOn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var responder = new TestResponder();
        using var factory = ServerFactory.WithResponder(responder, database: TestDatabase.PostgreSql);
        var client = factory.ClientFor("alice");
        var thread = (await client.CreateThreadAsync(ChatKitClient.Text("before")).CollectAsync()).ThreadId!;

        responder.Script = (t, input, ct) => AfterAsync(t, answering, goOn.Task, ct);
        var turn = client.AddUserMessageAsync(thread, ChatKitClient.Text("during")).CollectAsync();
        await answering.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the question is saved; the answer is on its way

        var postgres = await PostgreSqlServer.SharedAsync();
        var name = PostgreSqlServer.DatabaseName(factory.ConnectionString);
        await postgres.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");
        goOn.SetResult();

        var done = await turn.WaitAsync(TimeSpan.FromSeconds(60));
        done.Events.OfType<ErrorEvent>().Should().BeEmpty("the answer's save is tried again on a new connection");
        done.Should().HaveAssistantText("echo: during ");
        var items = await client.ListItemsAsync(thread, order: SortOrder.Asc);
        items.Data.Select(i => i.GetType().Name).Should().Equal(nameof(UserMessageItem), nameof(AssistantMessageItem), nameof(UserMessageItem), nameof(AssistantMessageItem));
    }

    private static async IAsyncEnumerable<ThreadStreamEvent> AfterAsync(ThreadMetadata thread, TaskCompletionSource answering, Task goOn, [EnumeratorCancellation] CancellationToken ct)
    {
        answering.SetResult();
        await goOn.WaitAsync(ct);
        await foreach (var ev in TestResponder.Text(thread, "echo: during").WithCancellation(ct))
            yield return ev;
    }
}
