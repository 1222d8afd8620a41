using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;
using OrleansTenants.ClusterLauncher;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Provisioning;

/// <summary>How many tenants, and how they are spread over the placement modes.</summary>
internal sealed record TenantPlanOptions(int Tenants, int Dedicated, double SingleShare, double ShardedShare, int SharedDatabases, int Shards, int RowsPerResource, int Seed);

/// <summary>
/// Provisions the load test's tenants through the admin API, or reuses them (single mode's database, <c>main</c>, is
/// the one the silos set up): creates and registers the shared databases and the
/// databases of a shard set (with an owner and an application role each, as the platform's provisioner makes
/// them), creates the tenants that do not exist yet (dedicated ones with <c>createDatabase</c>), issues one API key
/// per tenant (kept in a 0600 file, since a key is shown once), and seeds accounts and contacts for tenants that have
/// none. Tenant ids are <c>lt-0001</c>, <c>lt-0002</c>, ...
/// </summary>
internal sealed class TenantProvisioner(AdminClient admin, string catalogConnectionString, DatabaseCatalog databases, string dataDirectory, TextWriter log)
{
    public const string SharedPrefix = "lt-shared-";
    public const string ShardPrefix = "lt-shard-";
    public const string ShardSet = "lt-shards";
    private const string KeysFileName = "loadtest-api-keys.json";

    public async Task<(List<LoadTenant> Tenants, ProvisioningSummary Summary)> ProvisionAsync(TenantPlanOptions plan, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var registered = (await admin.ListDatabasesAsync(cancellationToken)).ToDictionary(d => d.Name, StringComparer.Ordinal);
        var shared = Enumerable.Range(0, plan.SharedDatabases).Select(i => SharedPrefix + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var shards = Enumerable.Range(0, plan.Shards).Select(i => ShardPrefix + i.ToString(CultureInfo.InvariantCulture)).ToList();
        foreach (var name in shared.Concat(shards).Where(n => !registered.ContainsKey(n)))
        {
            await CreateSharedDatabaseAsync(name, cancellationToken);
            log.WriteLine($"created and registered database {name}");
        }

        registered = (await admin.ListDatabasesAsync(cancellationToken)).ToDictionary(d => d.Name, StringComparer.Ordinal);
        if (plan.Shards > 0 && !registered.Values.Any(d => d.ShardSet == ShardSet))
        {
            await admin.CreateShardSetAsync(ShardSet, shards, cancellationToken);
            log.WriteLine($"created shard set {ShardSet} over {string.Join(", ", shards)}");
        }

        var wanted = Plan(plan, shared);
        var existing = (await admin.ListTenantsAsync(cancellationToken)).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var missing = wanted.Where(w => !existing.ContainsKey(w.Id)).ToList();
        var created = 0;
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (tenant, ct) =>
        {
            await admin.CreateTenantAsync(tenant.Id, $"Load test {tenant.Id}", "Software", tenant.Placement, ct);
            if (Interlocked.Increment(ref created) % 100 == 0)
            {
                log.WriteLine($"  {created}/{missing.Count} tenants created");
            }
        });
        if (missing.Count > 0)
        {
            log.WriteLine($"created {missing.Count} tenants, reused {wanted.Count - missing.Count}");
        }

        var keys = await IssueKeysAsync(wanted.Select(w => w.Id).ToList(), cancellationToken);
        var tenants = (await admin.ListTenantsAsync(cancellationToken)).ToDictionary(t => t.Id, StringComparer.Ordinal);
        var loadTenants = wanted.Select(w => new LoadTenant(w.Id, tenants[w.Id].Placement.Mode, tenants[w.Id].Placement.Database, keys[w.Id])).ToList();
        await SeedAsync(loadTenants, plan.RowsPerResource, cancellationToken);

        var summary = new ProvisioningSummary(
            loadTenants.Count,
            loadTenants.GroupBy(t => t.Mode).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            [.. loadTenants.Select(t => t.Database).Distinct().Order(StringComparer.Ordinal)],
            missing.Count,
            wanted.Count - missing.Count,
            plan.RowsPerResource * 2,
            Math.Round(clock.Elapsed.TotalSeconds, 1));
        return (loadTenants, summary);
    }

    /// <summary>The tenants the options ask for, each with its placement request, in id order.</summary>
    internal static List<PlannedTenant> Plan(TenantPlanOptions plan, IReadOnlyList<string> sharedDatabases)
    {
        var dedicated = Math.Min(plan.Dedicated, plan.Tenants);
        var single = Math.Min(plan.Tenants - dedicated, (int)Math.Round(plan.Tenants * plan.SingleShare));
        var sharded = plan.Shards == 0 ? 0 : Math.Min(plan.Tenants - dedicated - single, (int)Math.Round(plan.Tenants * plan.ShardedShare));
        var sharedCount = plan.Tenants - dedicated - single - sharded;
        if (sharedCount > 0 && sharedDatabases.Count == 0)
        {
            sharded += sharedCount;
            sharedCount = 0;
        }

        var modes = new List<string>();
        modes.AddRange(Enumerable.Repeat(PlacementModes.Dedicated, dedicated));
        modes.AddRange(Enumerable.Repeat(PlacementModes.Single, single));
        modes.AddRange(Enumerable.Repeat(PlacementModes.Sharded, sharded));
        modes.AddRange(Enumerable.Repeat(PlacementModes.Shared, sharedCount));
        var shuffled = modes.ToArray();
        new Random(plan.Seed).Shuffle(shuffled);

        var width = Math.Max(4, plan.Tenants.ToString(CultureInfo.InvariantCulture).Length);
        var sharedIndex = 0;
        return
        [
            .. shuffled.Select((mode, i) =>
            {
                var id = "lt-" + (i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
                var placement = mode switch
                {
                    PlacementModes.Dedicated => new TenantPlacementRequest(mode, null, null, CreateDatabase: true, null, null),
                    PlacementModes.Single => new TenantPlacementRequest(mode, null, null, null, null, null),
                    PlacementModes.Sharded => new TenantPlacementRequest(mode, null, null, null, null, ShardSet),
                    _ => new TenantPlacementRequest(mode, null, null, null, sharedDatabases[sharedIndex++ % sharedDatabases.Count], null),
                };
                return new PlannedTenant(id, mode, placement);
            }),
        ];
    }

    /// <summary>The physical database behind a registered one, and a superuser connection string to it.</summary>
    public async Task<string> SuperuserConnectionStringAsync(string databaseName, CancellationToken cancellationToken)
    {
        var settings = await databases.GetConnectionAsync(databaseName, cancellationToken);
        var physical = new NpgsqlConnectionStringBuilder(settings.ConnectionString).Database;
        return new NpgsqlConnectionStringBuilder(catalogConnectionString) { Database = physical, ApplicationName = "loadtester" }.ConnectionString;
    }

    private async Task CreateSharedDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        var physical = name.Replace('-', '_');
        // Left over from an interrupted run (created, not registered): start again.
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(catalogConnectionString) { Database = "postgres" }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS \"{physical}\" WITH (FORCE)", cancellationToken);
            await connection.ExecuteAsync($"DROP ROLE IF EXISTS \"{physical}_owner\", \"{physical}_app\"", cancellationToken);
        }

        var provisioned = await new DatabaseProvisioner(Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseProvisioner>.Instance)
            .CreateAsync(catalogConnectionString, physical, cancellationToken);
        await admin.RegisterDatabaseAsync(name, provisioned.AppConnectionString, provisioned.OwnerConnectionString, cancellationToken);
    }

    private async Task<Dictionary<string, string>> IssueKeysAsync(IReadOnlyList<string> tenantIds, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, KeysFileName);
        PrivateFile.Restrict(path);
        var keys = File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(path, cancellationToken)) ?? []
            : [];
        var missing = tenantIds.Where(id => !keys.ContainsKey(id)).ToList();
        if (missing.Count == 0)
        {
            return keys;
        }

        var issued = 0;
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            var key = await admin.IssueApiKeyAsync(id, ct);
            lock (keys)
            {
                keys[id] = key;
                if (++issued % 250 == 0)
                {
                    // Keys are shown once: keep what was issued so far, in case the run is interrupted.
                    PrivateFile.Write(path, JsonSerializer.Serialize(keys));
                }
            }
        });
        PrivateFile.Write(path, JsonSerializer.Serialize(keys));
        log.WriteLine($"issued {missing.Count} API keys (kept in {path}, mode 0600)");
        return keys;
    }

    private async Task SeedAsync(List<LoadTenant> tenants, int rowsPerResource, CancellationToken cancellationToken)
    {
        var seeded = 0;
        foreach (var group in tenants.GroupBy(t => t.Database))
        {
            await using var dataSource = NpgsqlDataSource.Create(await SuperuserConnectionStringAsync(group.Key, cancellationToken));
            var ids = group.Select(t => t.Id).ToArray();
            await using (var present = dataSource.CreateCommand("SELECT DISTINCT tenant_id FROM crm.accounts WHERE tenant_id = ANY($1)"))
            {
                present.Parameters.AddWithValue(ids);
                var have = new HashSet<string>(StringComparer.Ordinal);
                await using (var reader = await present.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        have.Add(reader.GetString(0));
                    }
                }

                var missing = ids.Where(id => !have.Contains(id)).ToArray();
                if (missing.Length > 0)
                {
                    // As superuser, so row-level security does not apply; every row names its tenant.
                    foreach (var sql in (string[])[
                        """
                        INSERT INTO crm.accounts (tenant_id, name, industry, website, phone, email)
                        SELECT t, 'Account ' || i || ' of ' || t, 'Software', 'https://example.com/' || i, '+1 555-0' || lpad(i::text, 3, '0'), 'sales' || i || '@example.com'
                        FROM unnest($1::text[]) t, generate_series(1, $2) i
                        """,
                        """
                        INSERT INTO crm.contacts (tenant_id, first_name, last_name, email)
                        SELECT t, 'First' || i, 'Last' || i, 'contact' || i || '@example.com'
                        FROM unnest($1::text[]) t, generate_series(1, $2) i
                        """])
                    {
                        await using var insert = dataSource.CreateCommand(sql);
                        insert.Parameters.AddWithValue(missing);
                        insert.Parameters.AddWithValue(rowsPerResource);
                        await insert.ExecuteNonQueryAsync(cancellationToken);
                    }

                    seeded += missing.Length;
                }
            }

            var byId = group.ToDictionary(t => t.Id, StringComparer.Ordinal);
            foreach (var (table, assign) in new (string, Action<LoadTenant, Guid[]>)[] { ("accounts", (t, rows) => t.Accounts = rows), ("contacts", (t, rows) => t.Contacts = rows) })
            {
                await using var select = dataSource.CreateCommand($"SELECT tenant_id, array_agg(id ORDER BY id) FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS n FROM crm.{table} WHERE tenant_id = ANY($1)) r WHERE n <= $2 GROUP BY tenant_id");
                select.Parameters.AddWithValue(ids);
                select.Parameters.AddWithValue((long)rowsPerResource);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    assign(byId[reader.GetString(0)], reader.GetFieldValue<Guid[]>(1));
                }
            }
        }

        if (seeded > 0)
        {
            log.WriteLine($"seeded {rowsPerResource} accounts and {rowsPerResource} contacts for each of {seeded} tenants");
        }
    }
}

internal sealed record PlannedTenant(string Id, string Mode, TenantPlacementRequest Placement);
