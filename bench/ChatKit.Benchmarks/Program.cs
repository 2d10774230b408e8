using BenchmarkDotNet.Running;

namespace ChatKit.Benchmarks;

public static class Program
{
    // `--filter '*'` runs everything, `--filter '*Serialization*'` one class, `--job short` a quick run.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
