using System.Diagnostics;

namespace OrleansTenants.ApiBench;

/// <summary>Closed-loop load: N callers each send the next request as soon as the last answered, for a fixed time.</summary>
internal static class LoadLoop
{
    public static async Task<RunResult> RunAsync(string name, Func<Task<bool>> request, int concurrency, TimeSpan duration, CpuMeter cpu)
    {
        using var stop = new CancellationTokenSource(duration);
        var (processBefore, postgresBefore) = cpu.Read();
        Console.WriteLine($"  {DateTime.UtcNow:HH:mm:ss} {name} for {duration.TotalSeconds:0} s");
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>(1 << 14);
            var errors = 0;
            while (!stop.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                if (!await request())
                {
                    errors++;
                }

                latencies.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
            }

            return (latencies, errors);
        })).ToList();
        var results = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var (processAfter, postgresAfter) = cpu.Read();
        var all = results.SelectMany(r => r.latencies).Order().ToArray();
        return new RunResult(
            name,
            all.Length / elapsed.TotalSeconds,
            Percentile(all, 0.50),
            Percentile(all, 0.99),
            results.Sum(r => r.errors),
            all.Length,
            (processAfter - processBefore).TotalMicroseconds / Math.Max(1, all.Length),
            (postgresAfter - postgresBefore).TotalMicroseconds / Math.Max(1, all.Length));
    }

    public static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * quantile) - 1, 0, sorted.Length - 1)];
}

/// <summary>A run's figures; CPU per request covers the whole process (load generator included) and the PostgreSQL server.</summary>
internal sealed record RunResult(
    string Name, double RequestsPerSecond, double P50Ms, double P99Ms, int Errors, int Requests, double ProcessCpuMicrosPerRequest, double PostgresCpuMicrosPerRequest);
