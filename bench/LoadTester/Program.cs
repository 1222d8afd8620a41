using System.CommandLine;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.LoadTester;
using OrleansTenants.LoadTester.Baselines;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Scenarios;

var defaults = new RunSettings();
var silos = new Option<int>("--silos") { Description = "Silo processes of the grain design", DefaultValueFactory = _ => defaults.Silos };
var tenants = new Option<int>("--tenants") { Description = "Tenants to provision (or reuse): lt-0001, lt-0002, ...", DefaultValueFactory = _ => defaults.Tenants };
var duration = new Option<double>("--duration") { Description = "Measured seconds per scenario and design", DefaultValueFactory = _ => defaults.DurationSeconds };
var warmup = new Option<double>("--warmup") { Description = "Warm-up seconds before each measured window", DefaultValueFactory = _ => defaults.WarmupSeconds };
var concurrency = new Option<int>("--concurrency") { Description = "Callers (closed loop), or the most requests in flight with --rate", DefaultValueFactory = _ => defaults.Concurrency };
var rate = new Option<double?>("--rate") { Description = "A fixed arrival rate in requests per second (open loop) instead of a fixed concurrency" };
var readRatio = new Option<double>("--read-ratio") { Description = "Share of reads (GET one, list); the rest are writes (POST a note, PATCH an account)", DefaultValueFactory = _ => defaults.ReadRatio };
var zipf = new Option<double>("--zipf") { Description = "Zipf exponent of tenant popularity (0: uniform)", DefaultValueFactory = _ => defaults.ZipfExponent };
var seed = new Option<int>("--seed") { Description = "Seed of every random choice", DefaultValueFactory = _ => defaults.Seed };
var scenarios = new Option<string[]>("--scenarios")
{
    Description = $"Scenarios to run, in order: {string.Join(", ", ScenarioDefinition.Names)}, or all",
    DefaultValueFactory = _ => ["all"],
    AllowMultipleArgumentsPerToken = true,
};
var designs = new Option<string[]>("--designs")
{
    Description = "Designs to compare: grain, direct, ttl-cache",
    DefaultValueFactory = _ => [.. defaults.Designs],
    AllowMultipleArgumentsPerToken = true,
};
var dataDirectory = new Option<DirectoryInfo>("--data-dir")
{
    Description = "The cluster's data directory (PostgreSQL, secrets, node logs) and the tenants' API keys; reused by later runs",
    DefaultValueFactory = _ => new DirectoryInfo(defaults.DataDirectory),
};
var catalog = new Option<string?>("--catalog")
{
    Description = "Use this catalog database instead of an embedded PostgreSQL; default: $ConnectionStrings__Catalog (prefer it for a connection string with a password: the command line is visible in ps)",
};
var output = new Option<DirectoryInfo>("--out") { Description = "Where the report goes (loadtest-<time>.json and .html)", DefaultValueFactory = _ => new DirectoryInfo(defaults.OutputDirectory) };
var viaApi = new Option<bool>("--via-api") { Description = "Reach the grain design through a standalone Api process instead of the silos" };
var instances = new Option<int>("--baseline-instances") { Description = "Processes per baseline design", DefaultValueFactory = _ => defaults.BaselineInstances };
var burst = new Option<int>("--burst-concurrency") { Description = "Requests in flight during the cold burst", DefaultValueFactory = _ => defaults.BurstConcurrency };
var rotated = new Option<int>("--rotated-tenants") { Description = "Tenants rotated in the rotate scenario", DefaultValueFactory = _ => defaults.RotatedTenants };
var dedicated = new Option<int>("--dedicated") { Description = "Tenants with a dedicated database (createDatabase)", DefaultValueFactory = _ => defaults.DedicatedTenants };

var run = new Command("run", "Start a cluster, provision tenants, run the scenarios against the grain design and the baselines, write the report")
{
    silos, tenants, duration, warmup, concurrency, rate, readRatio, zipf, seed, scenarios, designs, dataDirectory, catalog, output, viaApi, instances, burst, rotated, dedicated,
};
run.SetAction((parse, _) =>
{
    var chosen = parse.GetValue(scenarios) ?? [];
    return TerminationSignals.RunAsync(token => LoadTestRun.RunAsync(
        new RunSettings
        {
            Silos = parse.GetValue(silos),
            Tenants = parse.GetValue(tenants),
            DurationSeconds = parse.GetValue(duration),
            WarmupSeconds = parse.GetValue(warmup),
            Concurrency = parse.GetValue(concurrency),
            ArrivalRate = parse.GetValue(rate),
            ReadRatio = parse.GetValue(readRatio),
            ZipfExponent = parse.GetValue(zipf),
            Seed = parse.GetValue(seed),
            Scenarios = chosen.Length == 0 || chosen.Contains("all") ? ScenarioDefinition.Names : [.. chosen.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            Designs = [.. (parse.GetValue(designs) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            DataDirectory = parse.GetValue(dataDirectory)!.FullName,
            CatalogConnectionString = NullIfBlank(parse.GetValue(catalog)) ?? NullIfBlank(Environment.GetEnvironmentVariable("ConnectionStrings__Catalog")),
            OutputDirectory = parse.GetValue(output)!.FullName,
            ViaApi = parse.GetValue(viaApi),
            BaselineInstances = parse.GetValue(instances),
            BurstConcurrency = parse.GetValue(burst),
            RotatedTenants = parse.GetValue(rotated),
            DedicatedTenants = parse.GetValue(dedicated),
        },
        token));
});

var design = new Option<string>("--design") { Description = "direct or ttl-cache", Required = true };
var urls = new Option<string>("--urls") { Description = "Where to listen", DefaultValueFactory = _ => "http://127.0.0.1:5300" };
var serve = new Command("serve", "Serve one process of a baseline design (ConnectionStrings__Catalog and Encryption__* from the environment)") { design, urls };
serve.SetAction((parse, _) => TerminationSignals.RunAsync(token => BaselineServer.RunAsync(parse.GetValue(design)!, parse.GetValue(urls)!, token)));

var json = new Option<FileInfo>("--json") { Description = "A report written by run", Required = true };
var html = new Option<FileInfo?>("--html") { Description = "Where to write the HTML (default: next to the JSON)" };
var render = new Command("render", "Render a JSON report as HTML again") { json, html };
render.SetAction(async (parse, token) =>
{
    var source = parse.GetValue(json)!;
    var report = ReportWriter.FromJson(await File.ReadAllTextAsync(source.FullName, token));
    var target = parse.GetValue(html)?.FullName ?? Path.ChangeExtension(source.FullName, ".html");
    await File.WriteAllTextAsync(target, ReportWriter.ToHtml(report), token);
    Console.WriteLine(LoadTestRun.Summary(report));
    Console.WriteLine($"report: {target}");
    return 0;
});

var root = new RootCommand("Load tester of the OrleansTenants platform: the grain design against the direct and ttl-cache baselines.") { run, serve, render };

// Ctrl-C and SIGTERM cancel the run, which then stops its processes: more than System.CommandLine's default 2 s.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
