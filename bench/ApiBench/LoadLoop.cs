using System.Diagnostics;
using OrleansTenants.Bench;

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
        var latencies = Latencies.Histogram();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var errors = 0;
            while (!stop.IsCancellationRequested)
            {
                var begin = Stopwatch.GetTimestamp();
                if (!await request())
                {
                    errors++;
                }

                latencies.RecordLatency(Stopwatch.GetElapsedTime(begin));
            }

            return errors;
        })).ToList();
        var errors = (await Task.WhenAll(workers)).Sum();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var (processAfter, postgresAfter) = cpu.Read();
        var requests = (int)latencies.TotalCount;
        return new RunResult(
            name,
            requests / elapsed.TotalSeconds,
            latencies.PercentileMs(50),
            latencies.PercentileMs(99),
            errors,
            requests,
            (processAfter - processBefore).TotalMicroseconds / Math.Max(1, requests),
            (postgresAfter - postgresBefore).TotalMicroseconds / Math.Max(1, requests));
    }
}

/// <summary>A run's figures; CPU per request covers the whole process (load generator included) and the PostgreSQL server.</summary>
internal sealed record RunResult(
    string Name, double RequestsPerSecond, double P50Ms, double P99Ms, int Errors, int Requests, double ProcessCpuMicrosPerRequest, double PostgresCpuMicrosPerRequest);
