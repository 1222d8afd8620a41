using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansTenants.RuntimeBench;

var duration = new Option<double>("--duration") { Description = "Measured seconds per scenario", DefaultValueFactory = _ => 10 };
var warmup = new Option<double>("--warmup") { Description = "Warm-up seconds per scenario (not measured)", DefaultValueFactory = _ => 3 };
var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers in the multi-caller scenarios", DefaultValueFactory = _ => 64 };
var activationConcurrency = new Option<int>("--activation-concurrency") { Description = "Concurrent callers in the activation scenario", DefaultValueFactory = _ => 16 };
var rounds = new Option<int>("--rounds")
{
    Description = "The echo and client scenarios alternate (A B B A ...) in this many rounds of duration/rounds each (1 s warm-up each), so a change in the machine's load hits both alike",
    DefaultValueFactory = _ => 4,
};
var variations = new Option<bool>("--client-variations") { Description = "Diagnostics: also run 1-caller and 4-connection variants of the echo and client scenarios" };
var allocations = new Option<bool>("--alloc-profile") { Description = "Diagnostics: sample allocations by type during the client and echo scenarios and compare them" };
var npgsql = new Option<string?>("--npgsql") { Description = "Extra Npgsql connection string options for the cluster database, e.g. \"Max Auto Prepare=20\"" };
var json = new Option<FileInfo?>("--json") { Description = "Write the summary as JSON to this file" };
var root = new RootCommand("Benchmark of the grain runtime: local calls, client → silo over HTTP/2 against a bare Kestrel echo, activation rate.")
{
    duration, warmup, concurrency, activationConcurrency, rounds, variations, allocations, npgsql, json,
};
root.SetAction((parse, cancellationToken) => Bench.RunAsync(
    parse.GetValue(duration), parse.GetValue(warmup), parse.GetValue(concurrency), parse.GetValue(activationConcurrency),
    parse.GetValue(rounds), parse.GetValue(variations), parse.GetValue(allocations), parse.GetValue(npgsql), parse.GetValue(json), cancellationToken));
return await root.Parse(args).InvokeAsync();

internal static class Bench
{
    public static async Task<int> RunAsync(
        double durationSeconds, double warmupSeconds, int concurrency, int activationConcurrency, int rounds, bool clientVariations, bool allocationProfile, string? npgsqlOptions, FileInfo? json, CancellationToken cancellationToken)
    {
        if (durationSeconds <= 0 || warmupSeconds < 0 || concurrency < 1 || activationConcurrency < 1 || rounds < 1)
        {
            await Console.Error.WriteLineAsync("--duration must be > 0, --warmup >= 0, concurrencies and rounds >= 1.");
            return 2;
        }

        var machine = MachineInfo.Current();
        Console.WriteLine(Report.Machine(machine));
        var timing = new Timing(TimeSpan.FromSeconds(warmupSeconds), TimeSpan.FromSeconds(durationSeconds));
        var (requestBytes, responseBytes) = EchoClient.BodySizes(new EchoEnvelope("bench/client-0", Scenarios.EchoMethod, 0, [new BenchRequest(1, Scenarios.Text)]));
        var settings = new BenchSettings(durationSeconds, warmupSeconds, concurrency, activationConcurrency, rounds, requestBytes, responseBytes, npgsqlOptions);
        Console.WriteLine($"duration {durationSeconds} s + warm-up {warmupSeconds} s per scenario; {concurrency} callers, {activationConcurrency} for activations; " +
            $"bodies: request {requestBytes} B, reply {responseBytes} B (grain call and echo alike)" +
            (npgsqlOptions is null ? "" : $"; cluster database connection string + \"{npgsqlOptions}\""));

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var startup = Stopwatch.StartNew();
        var cluster = await BenchCluster.StartAsync(loggers, npgsqlOptions, cancellationToken);
        var results = new List<ScenarioResult>();
        long directoryEntries;
        try
        {
            await using var echo = await EchoServer.StartAsync($"127.0.0.1:65535@{DateTime.UtcNow.Ticks}", cancellationToken);
            Console.WriteLine($"PostgreSQL, 2 silos, 1 client and the echo server up in {startup.Elapsed.TotalSeconds:F1} s");

            // Grains are activated (and their placement checked) before their scenarios, so those measure calls only.
            var localKeys = await Scenarios.KeysOnAsync(cluster.SiloAFactory, "local", BenchCluster.SiloA, concurrency);
            var clientKeys = await Scenarios.KeysOnAsync(cluster.ClientFactory, "client", BenchCluster.SiloB, concurrency);
            var run = new Scenarios(cluster, echo, timing, new HostMetrics(cluster.PostgresProcessId), cancellationToken);

            ScenarioResult Record(string name, string path, int callers, params Measurement[] measured)
            {
                var result = ScenarioResult.From(name, path, callers, measured);
                Console.WriteLine($"  {result.Name}: {result.CallsPerSecond:N0} calls/s, p50 {result.P50Us:N0} µs, p99 {result.P99Us:N0} µs, {result.Errors} errors");
                results.Add(result);
                return result;
            }

            Record("local, 1 caller", Scenarios.LocalPath, 1, await run.LocalAsync(localKeys, 1));
            Record($"local, {concurrency} callers, 1 grain each", Scenarios.LocalPath, concurrency, await run.LocalAsync(localKeys, concurrency));
            Record($"local, {concurrency} callers, 1 shared grain", Scenarios.LocalPath, concurrency, await run.LocalAsync(localKeys[..1], concurrency));

            // The pair behind the ratio: first both HTTP paths are primed (JIT tiering of Kestrel's and HttpClient's HTTP/2
            // code would otherwise penalize whichever runs first), then they alternate A B B A ... in short rounds, so a
            // change in the machine's load hits both alike.
            await run.With(timing with { Duration = TimeSpan.Zero }).EchoAsync(concurrency);
            await run.With(timing with { Duration = TimeSpan.Zero }).ClientAsync(clientKeys, concurrency);
            var pair = run.With(new Timing(TimeSpan.FromSeconds(Math.Min(1, warmupSeconds)), timing.Duration / rounds));
            var echoRounds = new List<Measurement>();
            var grainRounds = new List<Measurement>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var echoTurn in round % 2 == 0 ? [true, false] : new[] { false, true })
                {
                    var measured = echoTurn ? await pair.EchoAsync(concurrency) : await pair.ClientAsync(clientKeys, concurrency);
                    (echoTurn ? echoRounds : grainRounds).Add(measured);
                    Console.WriteLine($"    round {round + 1} {(echoTurn ? "echo" : "grain")}: {measured.Histogram.Count / measured.Seconds:N0} calls/s");
                }
            }

            var echoResult = Record($"echo, {concurrency} callers", Scenarios.EchoPath, concurrency, [.. echoRounds]);
            var grainResult = Record($"client, {concurrency} callers, 1 grain each", Scenarios.ClientPath, concurrency, [.. grainRounds]);
            var roundRatios = echoRounds.Zip(grainRounds, (e, g) => Math.Round((double)g.Histogram.Count / e.Histogram.Count, 3)).ToList();
            Record($"client, {concurrency} callers, 1 shared grain", Scenarios.ClientPath, concurrency, await run.ClientAsync(clientKeys[..1], concurrency));
            if (clientVariations)
            {
                // Diagnostics only: is the single multiplexed connection, or per-call latency, what limits both?
                Record("echo, 1 caller", Scenarios.EchoPath, 1, await run.EchoAsync(1));
                Record("client, 1 caller", Scenarios.ClientPath, 1, await run.ClientAsync(clientKeys, 1));
                Record($"echo, {concurrency} callers, 4 connections", Scenarios.EchoPath, concurrency, await run.EchoAsync(concurrency, connections: 4));
            }

            if (allocationProfile)
            {
                await ProfileAllocationsAsync(run.With(timing with { Warmup = TimeSpan.Zero }), localKeys, clientKeys, concurrency);
            }

            Record($"activation, {activationConcurrency} callers", Scenarios.ActivationPath, activationConcurrency, await run.ActivationAsync(activationConcurrency));
            directoryEntries = await cluster.CountDirectoryEntriesAsync(cancellationToken);

            var ratio = grainResult.CallsPerSecond / echoResult.CallsPerSecond;
            // Calls per CPU-second: less sensitive than calls/s to other programs taking the cores during one scenario.
            var cpuRatio = echoResult.CpuUsPerCall / grainResult.CpuUsPerCall;
            Console.WriteLine();
            Console.WriteLine(Report.Table(results));
            Console.WriteLine($"grain/echo throughput ratio ({concurrency} callers): {ratio:F2} (target >= 0.5; per round: {string.Join(", ", roundRatios)}); " +
                $"p50 {grainResult.P50Us:N0} µs vs {echoResult.P50Us:N0} µs, p99 {grainResult.P99Us:N0} µs vs {echoResult.P99Us:N0} µs; " +
                $"per CPU-second (process CPU per call, echo/grain): {cpuRatio:F2}");
            var notes = Notes(timing, rounds, concurrency, activationConcurrency, directoryEntries);
            foreach (var note in notes)
            {
                Console.WriteLine($"- {note}");
            }

            await cluster.DisposeAsync();
            Console.WriteLine($"- graceful shutdown of the silos with {directoryEntries:N0} directory entries took {cluster.ShutdownTime.TotalSeconds:F1} s; " +
                $"entries left afterwards: {cluster.EntriesAfterShutdown?.ToString("N0", CultureInfo.InvariantCulture) ?? "(could not read)"}");
            if (json is not null)
            {
                var summary = new BenchSummary(machine, settings, results, ratio, roundRatios, cpuRatio, directoryEntries, cluster.ShutdownTime.TotalSeconds, cluster.EntriesAfterShutdown, notes);
                await Report.WriteJsonAsync(json, summary, cancellationToken);
                Console.WriteLine($"- JSON summary written to {json.FullName}");
            }

            return 0;
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    // Runs after the measured scenarios (everything is warm), in windows of its own: listening to the runtime's events costs time.
    private static async Task ProfileAllocationsAsync(Scenarios run, List<string> localKeys, List<string> clientKeys, int concurrency)
    {
        using var profile = new AllocationProfile();
        profile.Start();
        var local = profile.Stop((await run.LocalAsync(localKeys, 1)).Histogram.Count);
        Console.WriteLine("allocations by type, local, 1 caller (estimated from GC allocation ticks):");
        Console.WriteLine(AllocationProfile.Top(local));
        profile.Start();
        var grain = profile.Stop((await run.ClientAsync(clientKeys, concurrency)).Histogram.Count);
        profile.Start();
        var echo = profile.Stop((await run.EchoAsync(concurrency)).Histogram.Count);
        Console.WriteLine($"allocations by type, {concurrency} callers, client → silo vs echo (estimated from GC allocation ticks):");
        Console.WriteLine(AllocationProfile.Compare(grain, echo));
    }

    private static List<string> Notes(Timing timing, int rounds, int concurrency, int activationConcurrency, long directoryEntries) =>
    [
        $"closed loop: each caller sends its next call when the previous one returns; {timing.Warmup.TotalSeconds} s warm-up excluded " +
            $"(echo/client: both primed {timing.Warmup.TotalSeconds} s, then {rounds} alternating rounds of {timing.Duration.TotalSeconds / rounds:0.##} s, " +
            "1 s warm-up each); a call counts when it completes inside the measured window; latency is per call, caller side",
        "percentiles from a log-linear histogram (within 1.6 %); CPU and alloc are process-wide: callers, client, both silos and the echo " +
            "server share this process and its cores, and CPU includes the thread pool's spin-waiting (it overstates work when callers are few)",
        "CPU % and PG CPU % are of all cores; host busy % is the whole machine (/proc/stat): well above CPU % + PG CPU % means " +
            "other programs competed for the cores during that scenario; steal % is time the hypervisor gave to other guests",
        $"local: IGrainFactory of silo A (prefer-local placement), no serialization; client: AddGrainClient, rendezvous placement, " +
            $"{concurrency} grains on silo B; shared: all callers on one grain, whose EchoAsync is exclusive (one turn at a time)",
        "echo: Kestrel configured like the silo's internal endpoint, minimal API binding the same envelope; HttpClient with " +
            "SiloTransportClient's SocketsHttpHandler settings; same request and reply bodies and served-by header",
        $"activation: {activationConcurrency} callers, each call to a never-used key (activate + INSERT into cluster.grain_directory); " +
            $"PostgreSQL runs with fsync and synchronous_commit off (throwaway server); {directoryEntries:N0} directory entries at the end",
    ];
}
