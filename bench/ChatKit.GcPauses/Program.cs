using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Usage: ChatKit.GcPauses TRACE.nettrace
// The trace needs the runtime's GC events at verbose level (dotnet-trace collect --providers
// Microsoft-Windows-DotNETRuntime:0x1:5). Prints each collection: when, which generation, how long the process was paused
// (suspension to restart), how long the threads took to stop, how long marking took, and how much it promoted from each
// kind of root (stacks, the finalization queue, handles, older generations through the card table, ...); then totals.
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: ChatKit.GcPauses TRACE.nettrace");
    return 2;
}
using var source = new EventPipeEventSource(args[0]);
var pauses = new List<Pause>();
Pause? current = null;
double markFrom = 0;
source.Clr.GCSuspendEEStart += e => current = new Pause { At = e.TimeStampRelativeMSec };
source.Clr.GCSuspendEEStop += e => { if (current is not null) current.Suspension = e.TimeStampRelativeMSec - current.At; };
source.Clr.GCStart += e =>
{
    if (current is null) return;
    current.Generation = e.Depth;
    markFrom = e.TimeStampRelativeMSec;
};
source.Clr.GCMarkWithType += e =>
{
    if (current is null) return;
    current.Marking = e.TimeStampRelativeMSec - current.At - current.Suspension;
    var kind = e.Type switch { 0 => "stacks", 1 => "finalizer queue", 2 => "handles", 3 => "older generations", 4 => "sized refs", 5 => "overflow", 6 => "dependent handles", 7 => "new finalizable", _ => $"kind {e.Type}" };
    current.Promoted[kind] = current.Promoted.GetValueOrDefault(kind) + e.Promoted;
};
source.Clr.GCRestartEEStop += e =>
{
    if (current is null) return;
    current.Length = e.TimeStampRelativeMSec - current.At;
    pauses.Add(current);
    current = null;
};
source.Process();

foreach (var p in pauses)
{
    var roots = string.Join(", ", p.Promoted.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {kv.Value / 1024:N0} KiB"));
    Console.WriteLine($"{p.At,10:N0} ms  gen{p.Generation}  paused {p.Length,6:0.00} ms (threads stopped in {p.Suspension:0.00}, marked by {p.Marking:0.00})  promoted: {roots}");
}
if (pauses.Count == 0)
{
    Console.WriteLine("no collections in the trace");
    return 0;
}
var lengths = pauses.Select(p => p.Length).Order().ToList();
var promoted = pauses.Average(p => p.Promoted.Values.Sum()) / 1024;
Console.WriteLine($"{pauses.Count} collections, {lengths.Sum():0.0} ms paused in all, median {lengths[lengths.Count / 2]:0.00} ms, " +
                  $"max {lengths[^1]:0.00} ms, {promoted:N0} KiB promoted on average");
return 0;

internal sealed class Pause
{
    public double At;
    public int Generation = -1;
    public double Suspension;
    public double Marking;
    public double Length;
    public Dictionary<string, long> Promoted { get; } = [];
}
