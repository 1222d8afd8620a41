using System.Security.Cryptography;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;
using OrleansTenants.LoadTester.Monitoring;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>A rotated tenant: its old role (in use before the rotation, statement-logged) and its new one.</summary>
internal sealed record RotationTarget(int TenantIndex, LoadTenant Tenant, string OldRole, string NewRole, string NewConnectionString);

/// <summary>
/// How "reads served with old settings after the admin call returned" is measured, on the database side, since
/// the tenant API does not say which credentials served a request. Before the run each rotated tenant is given a
/// login role of its own (a member of <c>crm_app</c>, CONNECT on its database) with <c>log_statement = 'all'</c>
/// set on the role, so the server logs every statement of every session of that role, and nothing else changes
/// (same database, same privileges, same row-level security). Mid-run the tenant is rotated to a second new role
/// that is not logged. Every statement the old role runs after the rotation call returned is a request served
/// with old settings: the log line carries its start time (server clock = client clock, one machine) and its role
/// (<c>log_line_prefix</c> with <c>%u</c>, set once with ALTER SYSTEM). Non-intrusive: nothing is revoked, so a
/// design that keeps old settings shows up as stale requests rather than as errors. Independently, a sampler reads
/// <c>pg_stat_activity</c> every 250 ms for sessions of the old roles and their last <c>query_start</c>.
/// </summary>
internal sealed class RotationSetup(string catalogConnectionString, TenantCatalog tenants, DatabaseCatalog databases, TextWriter log)
{
    private readonly string _run = RandomNumberGenerator.GetHexString(6, lowercase: true);
    private readonly List<string> _roles = [];
    private readonly HashSet<string> _repointed = new(StringComparer.Ordinal);

    /// <summary>Sets the server's log line prefix (role, UTC time) so that statements can be attributed; false if it could not.</summary>
    public async Task<bool> PrepareServerLogAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await connection.ExecuteAsync($"ALTER SYSTEM SET log_line_prefix = '{StatementLog.LinePrefix}'", cancellationToken);
            await connection.ExecuteAsync("ALTER SYSTEM SET log_timezone = 'UTC'", cancellationToken);
            await connection.ExecuteAsync("SELECT pg_reload_conf()", cancellationToken);
            await Task.Delay(500, cancellationToken);
            await using var check = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(catalogConnectionString) { Pooling = false, ApplicationName = "loadtester" }.ConnectionString);
            await check.OpenAsync(cancellationToken);
            await using var show = new NpgsqlCommand("SELECT current_setting('log_line_prefix')", check);
            return (string?)await show.ExecuteScalarAsync(cancellationToken) == StatementLog.LinePrefix;
        }
        catch (PostgresException ex)
        {
            log.WriteLine($"  cannot set the server's log line prefix ({ex.MessageText}); rotation falls back to sampling pg_stat_activity");
            return false;
        }
    }

    /// <summary>
    /// Gives each tenant an old role (logged) and a new role; stores the old settings in the catalog. What it did is
    /// remembered, so <see cref="CleanupAsync"/> undoes it even when this fails part way.
    /// </summary>
    public async Task<IReadOnlyList<RotationTarget>> PrepareAsync(string design, IReadOnlyList<(int Index, LoadTenant Tenant)> chosen, CancellationToken cancellationToken)
    {
        var tag = new string([.. design.Where(char.IsAsciiLetterOrDigit)]);
        var targets = new List<RotationTarget>();
        await using var connection = await OpenAsync(cancellationToken);
        for (var i = 0; i < chosen.Count; i++)
        {
            var (index, tenant) = chosen[i];
            var app = new NpgsqlConnectionStringBuilder((await databases.GetConnectionAsync(tenant.Database, cancellationToken)).ConnectionString);
            var oldRole = $"lt_rot_{_run}_{tag}_{i}_old";
            var newRole = $"lt_rot_{_run}_{tag}_{i}_new";
            var oldConnection = await CreateRoleAsync(connection, oldRole, app, logStatements: true, cancellationToken);
            var newConnection = await CreateRoleAsync(connection, newRole, app, logStatements: false, cancellationToken);
            _repointed.Add(tenant.Id);
            await tenants.ReplaceConnectionAsync(tenant.Id, new ConnectionSettings(oldConnection, []), "loadtester", cancellationToken);
            targets.Add(new RotationTarget(index, tenant, oldRole, newRole, newConnection));
        }

        return targets;
    }

    /// <summary>Gives the tenants <see cref="PrepareAsync"/> repointed back their database's settings and drops the roles it made.</summary>
    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        if (_repointed.Count > 0)
        {
            await using var reset = new NpgsqlCommand(
                "UPDATE catalog.tenants SET connection_secret = NULL, connection_key_id = NULL, updated_at = now() WHERE id = ANY($1)", connection);
            reset.Parameters.AddWithValue(_repointed.ToArray());
            await reset.ExecuteNonQueryAsync(cancellationToken);
            _repointed.Clear();
        }

        foreach (var role in _roles.ToList())
        {
            try
            {
                await connection.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'", cancellationToken);
                await connection.ExecuteAsync($"DROP OWNED BY \"{role}\"", cancellationToken);
                await connection.ExecuteAsync($"DROP ROLE IF EXISTS \"{role}\"", cancellationToken);
                _roles.Remove(role);
            }
            catch (PostgresException ex)
            {
                log.WriteLine($"  could not drop role {role}: {ex.MessageText}");
            }
        }
    }

    /// <summary>Samples the old roles' sessions in <c>pg_stat_activity</c> until cancelled.</summary>
    public async Task<OldRoleSampling> SampleAsync(IReadOnlyList<RotationTarget> targets, Func<IReadOnlyDictionary<string, DateTimeOffset>> rotatedAt, CancellationToken cancellationToken)
    {
        var sampling = new OldRoleSampling();
        var roles = targets.Select(t => t.OldRole).ToArray();
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(catalogConnectionString) { ApplicationName = "loadtester-monitor", MaxPoolSize = 1 }.ConnectionString);
        var seen = new HashSet<(string, DateTimeOffset)>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT usename, query_start FROM pg_stat_activity WHERE usename = ANY($1)");
                command.Parameters.AddWithValue(roles);
                var open = 0;
                var now = DateTimeOffset.UtcNow;
                var rotated = rotatedAt();
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        open++;
                        var role = reader.GetString(0);
                        // As in the statement log, in doubt stale: from the millisecond the call returned in.
                        if (!reader.IsDBNull(1) && rotated.TryGetValue(role, out var at) && reader.GetFieldValue<DateTimeOffset>(1) >= StatementLog.ToMillisecond(at)
                            && seen.Add((role, reader.GetFieldValue<DateTimeOffset>(1))))
                        {
                            sampling.StaleStatements++;
                        }
                    }
                }

                sampling.OpenAtEnd = open;
                if (rotated.Count > 0 && open == 0 && sampling.GoneAt is null)
                {
                    sampling.GoneAt = now;
                }
                else if (open > 0)
                {
                    sampling.GoneAt = null;
                }

                await Task.Delay(250, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (NpgsqlException)
            {
                // Try again at the next tick.
            }
        }

        return sampling;
    }

    private async Task<string> CreateRoleAsync(NpgsqlConnection connection, string role, NpgsqlConnectionStringBuilder app, bool logStatements, CancellationToken cancellationToken)
    {
        var password = RandomNumberGenerator.GetHexString(40, lowercase: true);
        await connection.ExecuteAsync($"CREATE ROLE \"{role}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}' IN ROLE {DatabaseProvisioner.ApplicationGroupRole}", cancellationToken);
        _roles.Add(role);
        await connection.ExecuteAsync($"GRANT CONNECT ON DATABASE \"{app.Database}\" TO \"{role}\"", cancellationToken);
        if (logStatements)
        {
            await connection.ExecuteAsync($"ALTER ROLE \"{role}\" SET log_statement = 'all'", cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder { Host = app.Host, Port = app.Port, Database = app.Database, Username = role, Password = password }.ConnectionString;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(catalogConnectionString) { ApplicationName = "loadtester" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

/// <summary>What sampling <c>pg_stat_activity</c> saw of the old roles.</summary>
internal sealed class OldRoleSampling
{
    /// <summary>Distinct (role, query_start) pairs seen with query_start in or after the millisecond of the role's rotation.</summary>
    public long StaleStatements { get; set; }

    public int OpenAtEnd { get; set; }

    public DateTimeOffset? GoneAt { get; set; }
}
