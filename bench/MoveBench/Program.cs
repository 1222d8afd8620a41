using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using OrleansTenants.Bench;
using OrleansTenants.MoveBench;

// A tenant with --rows rows in a shared database, under --writes creates/s and --reads gets/s, moved to a dedicated
// database of its own: offline (one exclusive turn) and online (logical replication), each on a fresh tenant with the
// same data and load. Reports what the writes and reads waited while the move ran. See bench/README.md.
var rows = Arg("--rows", 100_000);
var writesPerSecond = Arg("--writes", 50);
var readsPerSecond = Arg("--reads", 200);
var settle = TimeSpan.FromSeconds(Arg("--settle", 3));
string[] modes = [.. (args.SkipWhile(a => a != "--modes").Skip(1).FirstOrDefault() ?? "offline,online").Split(',')];

await using var environment = await BenchEnvironment.StartAsync();
var silo = new Uri(environment.Silo.App.Urls.First());
Console.WriteLine($"{rows} rows (40 % accounts, 40 % contacts, 20 % notes), {writesPerSecond} writes/s, {readsPerSecond} reads/s, shared -> dedicated");
Console.WriteLine("mode     move s  pause ms  writes during the move: p50/p99/max ms   reads during the move: p50/p99/max ms  writes kept  failed calls");
foreach (var mode in modes)
{
    var tenant = $"moved-{mode}";
    var key = await environment.CreateTenantAsync(tenant);
    var accounts = await SeedAsync(environment.Server.GetConnectionString("bench_shared"), tenant, rows);
    using var http = new HttpClient { BaseAddress = silo };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    var acknowledged = 0;
    var writes = new SteadyLoad("writes", writesPerSecond, async ct =>
    {
        using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant}/notes", new { body = "written during the move" }, ct);
        if (response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref acknowledged);
        }

        return response.StatusCode;
    });
    var reads = new SteadyLoad("reads", readsPerSecond, async ct =>
    {
        using var response = await http.GetAsync($"/api/tenants/{tenant}/accounts/{accounts[Random.Shared.Next(accounts.Count)]}", ct);
        return response.StatusCode;
    });

    using var stop = new CancellationTokenSource();
    var load = Task.WhenAll(writes.RunAsync(stop.Token), reads.RunAsync(stop.Token));
    await Task.Delay(settle);
    writes.OpenWindow();
    reads.OpenWindow();
    var moving = Stopwatch.StartNew();
    var movingSince = DateTimeOffset.UtcNow;
    var move = await MoveAsync(environment.Admin, tenant, mode);
    var moveSeconds = moving.Elapsed.TotalSeconds;
    writes.CloseWindow();
    reads.CloseWindow();
    await Task.Delay(settle);
    await stop.CancelAsync();
    await load;

    var kept = await CountNotesAsync(http, tenant);
    var (wp50, wp99, wmax) = writes.Window();
    var (rp50, rp99, rmax) = reads.Window();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode,-8} {moveSeconds,6:0.0}  {move.GetProperty("writePauseMs").GetDouble(),8:0}  {wp50,12:0.0} / {wp99,7:0.0} / {wmax,7:0.0}      {rp50,12:0.0} / {rp99,7:0.0} / {rmax,7:0.0}  {kept,5}/{rows / 5 + acknowledged,-5}  {Failures(writes, reads)}"));
    var switched = (move.GetProperty("finishedAt").GetDateTimeOffset() - movingSince).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"         slowest write due at {writes.SlowestDueAfter():0.00} s, slowest read at {reads.SlowestDueAfter():0.00} s; the switch at {switched:0.00} s, the move's end (cleanup done) at {moveSeconds:0.00} s"));
    if (move.GetProperty("status").GetString() != "completed")
    {
        Console.WriteLine($"  the move did not complete: {move}");
    }
}

static string Failures(params SteadyLoad[] loads) =>
    string.Join(", ", loads.SelectMany(l => l.Failures.Select(f => $"{l.Name} {f.Key} x {f.Value}"))) is { Length: > 0 } listed ? listed : "none";

static async Task<JsonElement> MoveAsync(HttpClient admin, string tenant, string mode)
{
    using var started = await admin.PostAsJsonAsync($"/admin/tenants/{tenant}/moves", new { placement = new { mode = "dedicated", createDatabase = true }, mode });
    var location = started.IsSuccessStatusCode ? started.Headers.Location! : throw new InvalidOperationException(await started.Content.ReadAsStringAsync());
    while (true)
    {
        var move = await admin.GetFromJsonAsync<JsonElement>(location);
        if (move.GetProperty("status").GetString() is "completed" or "failed" && move.GetProperty("phase").ValueKind == JsonValueKind.Null)
        {
            return move;
        }

        await Task.Delay(50);
    }
}

// As the server's superuser, which row-level security does not filter; returns the accounts' ids for the reads.
static async Task<List<Guid>> SeedAsync(string sharedDatabase, string tenant, int rows)
{
    await using var connection = new NpgsqlConnection(sharedDatabase);
    await connection.OpenAsync();
    foreach (var sql in new[]
    {
        "INSERT INTO crm.accounts (tenant_id, name, email) SELECT $1, 'Account ' || i, 'a' || i || '@example.org' FROM generate_series(1, $2 * 2 / 5) i",
        "INSERT INTO crm.contacts (tenant_id, first_name, last_name) SELECT $1, 'First ' || i, 'Last ' || i FROM generate_series(1, $2 * 2 / 5) i",
        "INSERT INTO crm.notes (tenant_id, body) SELECT $1, 'Seeded note ' || i FROM generate_series(1, $2 / 5) i",
    })
    {
        await using var insert = new NpgsqlCommand(sql, connection);
        insert.Parameters.AddWithValue(tenant);
        insert.Parameters.AddWithValue(rows);
        await insert.ExecuteNonQueryAsync();
    }

    await using var ids = new NpgsqlCommand("SELECT id FROM crm.accounts WHERE tenant_id = $1 LIMIT 1000", connection);
    ids.Parameters.AddWithValue(tenant);
    await using var reader = await ids.ExecuteReaderAsync();
    var accounts = new List<Guid>();
    while (await reader.ReadAsync())
    {
        accounts.Add(reader.GetGuid(0));
    }

    return accounts;
}

static async Task<long> CountNotesAsync(HttpClient http, string tenant)
{
    long count = 0;
    string? cursor = null;
    do
    {
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/tenants/{tenant}/notes?limit=500{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
        count += page.GetProperty("items").GetArrayLength();
        cursor = page.GetProperty("nextCursor").GetString();
    }
    while (cursor is not null);
    return count;
}

int Arg(string name, int fallback) =>
    args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
