// One of several processes writing to one SQLite file through the store (bench/sqlite-writers.sh):
//   ChatKit.SqliteWriters DATABASE WRITES PER_SECOND
// Creates a thread of its own, waits for a line on stdin (so that all processes start together), then adds WRITES
// messages to it at PER_SECOND, each awaited before the next is due, and prints the latencies of those writes.
using System.Diagnostics;
using ChatKit;
using ChatKit.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

var database = args[0];
var writes = int.Parse(args[1]);
var perSecond = int.Parse(args[2]);
await using var services = new ServiceCollection()
    .AddLogging()
    .AddChatKitEntityFrameworkStore(store => store.UseSqlite($"Data Source={database}"))
    .BuildServiceProvider();
await services.MigrateChatKitDatabaseAsync();
var store = services.GetRequiredService<IChatKitStore>();
var context = new ChatKitContext { UserId = $"writer-{Environment.ProcessId}" };
var thread = new ThreadMetadata { Id = ChatKitIds.Thread(), CreatedAt = DateTimeOffset.UtcNow };
await store.SaveThreadAsync(thread, context);
Console.In.ReadLine();

var latencies = new List<double>(writes);
var clock = Stopwatch.StartNew();
for (var i = 0; i < writes; i++)
{
    var due = TimeSpan.FromSeconds((double)i / perSecond);
    if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
    var item = new UserMessageItem
    {
        Id = ChatKitIds.Message(), ThreadId = thread.Id, CreatedAt = DateTimeOffset.UtcNow, Content = [new UserMessageTextContent { Text = $"message {i}" }],
    };
    var write = Stopwatch.StartNew();
    await store.AddThreadItemAsync(thread.Id, item, context);
    latencies.Add(write.Elapsed.TotalMilliseconds);
}
latencies.Sort();
double At(double q) => latencies[(int)Math.Min(latencies.Count - 1, q * latencies.Count)];
Console.WriteLine($"process {Environment.ProcessId}: {writes} writes, p50 {At(0.5):F1} ms, p90 {At(0.9):F1} ms, p99 {At(0.99):F1} ms, " +
                  $"max {latencies[^1]:F0} ms, over 100 ms: {latencies.Count(l => l > 100)}");
