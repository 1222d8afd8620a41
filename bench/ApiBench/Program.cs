using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTenants.ApiBench;
using OrleansTenants.Bench;

// GET-by-id through the API and the tenant grain vs the same query from a bare endpoint on one NpgsqlDataSource,
// then cold activation time. Everything runs in this process on loopback; see bench/README.md.
var duration = TimeSpan.FromSeconds(Arg("--duration", 10));
var warmup = TimeSpan.FromSeconds(Arg("--warmup", 3));
var concurrency = Arg("--concurrency", 64);
var coldTenants = Arg("--cold-tenants", 200);
var jsonPath = args.SkipWhile(a => a != "--json").Skip(1).FirstOrDefault();

Console.WriteLine($"cores {Environment.ProcessorCount}, server GC {GCSettings.IsServerGC}, concurrency {concurrency}, {duration.TotalSeconds:0} s per run after {warmup.TotalSeconds:0} s warm-up");
await using var environment = await BenchEnvironment.StartAsync();
var key = await environment.CreateTenantAsync("bench");

// Same database concurrency on both sides: the tenant may run as many statements at once as there are callers,
// and the bare endpoint's pool is as large as the silo's pool for a shared database.
await environment.SetMaxConcurrencyAsync("bench", concurrency);
var silo = new Uri(environment.Silo.App.Urls.First());
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) });
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
using (var created = await http.PostAsJsonAsync(new Uri(silo, "/api/tenants/bench/accounts"), new { name = "Benchmark Ltd", industry = "Software", email = "bench@example.org" }))
{
    created.EnsureSuccessStatusCode();
}

var accountId = (await http.GetFromJsonAsync<JsonObject>(new Uri(silo, "/api/tenants/bench/accounts?limit=1")))!["items"]![0]!["id"]!.GetValue<string>();
await using var direct = await DirectEndpoint.StartAsync(environment.SharedAppConnection, maxPoolSize: 50);
var grainUrl = new Uri(silo, $"/api/tenants/bench/accounts/{accountId}");
var directUrl = new Uri(new Uri(direct.Urls.First()), $"/direct/bench/accounts/{accountId}");

async Task<bool> Get(Uri url)
{
    using var response = await http.GetAsync(url);
    await response.Content.LoadIntoBufferAsync();
    return response.IsSuccessStatusCode;
}

var cpu = new CpuMeter(environment.Server.ServerProcessId);
await LoadLoop.RunAsync("warm-up", () => Get(grainUrl), concurrency, warmup, cpu);
await LoadLoop.RunAsync("warm-up", () => Get(directUrl), concurrency, warmup, cpu);

// Alternate the two designs so drift in the machine's state hits both alike.
var grainRuns = new List<RunResult>();
var directRuns = new List<RunResult>();
for (var round = 0; round < 2; round++)
{
    grainRuns.Add(await LoadLoop.RunAsync("api+grain", () => Get(grainUrl), concurrency, duration / 2, cpu));
    directRuns.Add(await LoadLoop.RunAsync("direct", () => Get(directUrl), concurrency, duration / 2, cpu));
}

var grain = Combine("GET by id, API + tenant grain (co-hosted)", grainRuns);
var bare = Combine("GET by id, bare endpoint + NpgsqlDataSource", directRuns);

// Cold activations: each tenant's first call loads its catalog row, decrypts its settings and leases the pool.
var keys = new List<(string Tenant, string Key)>();
for (var i = 0; i < coldTenants; i++)
{
    keys.Add(($"cold-{i}", await environment.CreateTenantAsync($"cold-{i}")));
}

var cold = Latencies.Histogram();
var warm = Latencies.Histogram();
foreach (var (tenant, tenantKey) in keys)
{
    cold.RecordLatency(await TimedListAsync(tenant, tenantKey));
    warm.RecordLatency(await TimedListAsync(tenant, tenantKey));
}

Console.WriteLine();
Console.WriteLine($"{"scenario",-46} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"CPU µs/req",11} {"PG µs/req",10}");
foreach (var run in new[] { grain, bare })
{
    Console.WriteLine($"{run.Name,-46} {run.RequestsPerSecond,10:F0} {run.P50Ms,8:F2} {run.P99Ms,8:F2} {run.Errors,7} {run.ProcessCpuMicrosPerRequest,11:F0} {run.PostgresCpuMicrosPerRequest,10:F0}");
}

var ratio = grain.RequestsPerSecond / bare.RequestsPerSecond;
Console.WriteLine($"throughput ratio api+grain / direct: {ratio:F2}");
Console.WriteLine($"cold activation (first call of {coldTenants} tenants): p50 {cold.PercentileMs(50):F2} ms, p99 {cold.PercentileMs(99):F2} ms; warm second call p50 {warm.PercentileMs(50):F2} ms");

if (jsonPath is not null)
{
    var summary = new
    {
        cores = Environment.ProcessorCount,
        concurrency,
        durationSeconds = duration.TotalSeconds,
        grain,
        direct = bare,
        ratio,
        coldActivationP50Ms = cold.PercentileMs(50),
        coldActivationP99Ms = cold.PercentileMs(99),
        warmCallP50Ms = warm.PercentileMs(50),
    };
    await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
}

async Task<TimeSpan> TimedListAsync(string tenant, string tenantKey)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(silo, $"/api/tenants/{tenant}/accounts?limit=1"));
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenantKey);
    var begin = Stopwatch.GetTimestamp();
    using var response = await http.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return Stopwatch.GetElapsedTime(begin);
}

static RunResult Combine(string name, List<RunResult> runs) => new(
    name,
    runs.Average(r => r.RequestsPerSecond),
    runs.Average(r => r.P50Ms),
    runs.Max(r => r.P99Ms),
    runs.Sum(r => r.Errors),
    runs.Sum(r => r.Requests),
    runs.Average(r => r.ProcessCpuMicrosPerRequest),
    runs.Average(r => r.PostgresCpuMicrosPerRequest));

int Arg(string name, int fallback)
{
    var value = args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
    return value is null ? fallback : int.Parse(value, CultureInfo.InvariantCulture);
}
