using System.Text.Json;

/// <summary>One measured figure of one target, appended as a JSON line to the run's results file.</summary>
internal sealed record Figure(string Target, string Metric, double Value, string Unit);

internal sealed class Results(string path, string target)
{
    public void Add(string metric, double value, string unit)
    {
        Console.WriteLine($"  {target,-9} {metric,-28} {value,12:F2} {unit}");
        File.AppendAllText(path, JsonSerializer.Serialize(new Figure(target, metric, value, unit)) + "\n");
    }

    public static List<Figure> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<Figure>(l)!).ToList();
}

internal static class Stats
{
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>The server process's memory, read from <c>/proc</c>.</summary>
internal static class ProcessMemory
{
    public static long RssKiB(int pid) => Field(pid, "VmRSS");

    public static long PeakKiB(int pid) => Field(pid, "VmHWM");

    private static long Field(int pid, string name) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(name + ":", StringComparison.Ordinal))
            .Split(':')[1].Trim().Split(' ')[0]);
}
