using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTenants.RuntimeBench;

/// <summary>What the numbers were measured on; printed first so a table is never read without it.</summary>
internal sealed record MachineInfo(
    int ProcessorCount,
    string Os,
    string Framework,
    string Configuration,
    bool ServerGc,
    bool ConcurrentGc,
    string GcLatencyMode,
    string? TieredPgo,
    string? TieredCompilation)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
#if DEBUG
        "Debug",
#else
        "Release",
#endif
        GCSettings.IsServerGC,
        AppContext.GetData("System.GC.Concurrent") is not false,
        GCSettings.LatencyMode.ToString(),
        Environment.GetEnvironmentVariable("DOTNET_TieredPGO"),
        Environment.GetEnvironmentVariable("DOTNET_TieredCompilation"));
}

internal sealed record BenchSettings(
    double DurationSeconds, double WarmupSeconds, int Concurrency, int ActivationConcurrency, int Rounds, int RequestBytes, int ResponseBytes, string? NpgsqlOptions);

internal sealed record BenchSummary(
    MachineInfo Machine,
    BenchSettings Settings,
    IReadOnlyList<ScenarioResult> Scenarios,
    double GrainToEchoThroughputRatio,
    IReadOnlyList<double> RatioPerRound,
    double GrainToEchoCallsPerCpuSecondRatio,
    long DirectoryEntriesAfterRun,
    double ShutdownSeconds,
    long? DirectoryEntriesAfterShutdown,
    IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(BenchSummary))]
internal sealed partial class ReportJsonContext : JsonSerializerContext;

internal static class Report
{
    private static readonly string[] Headers =
    [
        "scenario", "calls/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "errors", "CPU µs/call", "CPU %", "PG CPU %", "host busy %", "steal %",
        "alloc B/call", "GC 0/1/2", "GC pause ms",
    ];

    public static string Machine(MachineInfo m) =>
        $"machine: {m.ProcessorCount} cores, {m.Os}, {m.Framework}, {m.Configuration}\n" +
        $"GC: {(m.ServerGc ? "Server" : "Workstation")}, concurrent={m.ConcurrentGc}, latency mode {m.GcLatencyMode}" +
        $"; DOTNET_TieredPGO={m.TieredPgo ?? "(default)"}, DOTNET_TieredCompilation={m.TieredCompilation ?? "(default)"}";

    public static string Table(IReadOnlyList<ScenarioResult> results)
    {
        var rows = results.Select(r => new[]
        {
            r.Name, N(r.CallsPerSecond), N(r.P50Us), N(r.P90Us), N(r.P99Us), N(r.MaxUs), N(r.Errors),
            N(r.CpuUsPerCall, "F1"), N(r.CpuUtilization * 100), N(r.PostgresCpuUtilization * 100), N(r.HostBusy * 100), N(r.HostSteal * 100),
            N(r.AllocatedBytesPerCall), $"{r.Gen0}/{r.Gen1}/{r.Gen2}", N(r.GcPauseMs),
        }).ToList();
        var widths = Headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        AppendRow(text, Headers, widths);
        AppendRow(text, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths);
        }

        foreach (var failed in results.Where(r => r.FirstError is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {failed.Name}: first error: {failed.FirstError}");
        }

        return text.ToString();
    }

    public static async Task WriteJsonAsync(FileInfo file, BenchSummary summary, CancellationToken cancellationToken)
    {
        await using var stream = file.Create();
        await JsonSerializer.SerializeAsync(stream, summary, ReportJsonContext.Default.BenchSummary, cancellationToken);
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append("| ");
        for (var i = 0; i < cells.Length; i++)
        {
            // The name left-aligned, numbers right-aligned, so the table reads in a terminal and as Markdown.
            text.Append(i < 1 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i])).Append(" | ");
        }

        text.Length--;
        text.AppendLine();
    }

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}
