using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansTenants.Grains.Administration;
using OrleansTenants.Grains.Schema;

namespace OrleansTenants.Cli;

/// <summary>The command tree. Every command but <c>migrations apply</c> is one or two admin API calls.</summary>
internal sealed partial class CliCommands
{
    private readonly CliContext _context;
    private readonly Option<string> _url;
    private readonly Option<string> _adminKey;
    private readonly Option<bool> _json;

    public CliCommands(CliContext context)
    {
        _context = context;
        _url = new Option<string>("--url")
        {
            Description = $"Base URL of a silo's admin API (env {CliContext.UrlVariable}).",
            Recursive = true,
            DefaultValueFactory = _ => context.Variable(CliContext.UrlVariable) ?? CliContext.DefaultUrl,
        };
        _adminKey = new Option<string>("--admin-key")
        {
            Description = $"The admin API key (env {CliContext.AdminKeyVariable}; else ./{CliContext.AdminKeyFile} when present).",
            Recursive = true,
        };
        _json = new Option<bool>("--json")
        {
            Description = "Print the API's JSON instead of a table.",
            Recursive = true,
        };
    }

    public RootCommand Build()
    {
        var root = new RootCommand("OrleansTenants admin CLI: tenants, API keys, databases, cluster, migrations and encryption, over the admin HTTP API.");
        root.Options.Add(_url);
        root.Options.Add(_adminKey);
        root.Options.Add(_json);
        root.Subcommands.Add(Tenants());
        root.Subcommands.Add(Keys());
        root.Subcommands.Add(Databases());
        root.Subcommands.Add(ShardSets());
        root.Subcommands.Add(Cluster());
        root.Subcommands.Add(Metrics());
        root.Subcommands.Add(Migrations());
        root.Subcommands.Add(Encryption());
        return root;
    }

    private Command Tenants()
    {
        var tenants = new Command("tenants", "Create, list, show, deactivate and check tenants.");

        var list = new Command("list", "List every tenant: placement, status and the silo holding its activation.");
        Admin(list, async (s, _, ct) =>
        {
            var response = await s.Client.ListTenantsAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Count == 0)
            {
                s.Out.WriteLine("No tenants.");
                return 0;
            }

            var table = new TextTable("ID", "NAME", "INDUSTRY", "MODE", "DATABASE", "STATUS", "ACTIVATION");
            foreach (var t in response.Value.OrderBy(t => t.Id, StringComparer.Ordinal))
            {
                table.Add(t.Id, t.Name, t.Industry, t.Placement.Mode, t.Placement.Database, t.Status, t.Activation);
            }

            table.WriteTo(s.Out);
            return 0;
        });

        var id = TenantIdArgument();
        var show = new Command("show", "Show one tenant.") { id };
        Admin(show, async (s, p, ct) =>
        {
            var response = await s.Client.GetTenantAsync(p.GetValue(id)!, ct);
            return s.Json ? s.WriteJson(response.Json) : WriteTenant(s.Out, response.Value);
        });

        var createId = TenantIdArgument();
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var industry = new Option<string>("--industry") { Description = "Industry (free text)." };
        var placement = new PlacementOptions();
        var create = new Command("create", "Create a tenant with a placement.") { createId, name, industry };
        placement.AddTo(create);
        Admin(create, async (s, p, ct) =>
        {
            var response = await s.Client.CreateTenantAsync(new CreateTenantRequest(p.GetValue(createId), p.GetValue(name), p.GetValue(industry), placement.Read(p)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Created tenant {response.Value.Id}.");
            return WriteTenant(s.Out, response.Value);
        });

        var deactivateId = TenantIdArgument();
        var deactivate = new Command("deactivate", "Deactivate the tenant's grain; when this returns, its activation is gone.") { deactivateId };
        Admin(deactivate, async (s, p, ct) =>
        {
            var tenant = p.GetValue(deactivateId)!;
            var response = await s.Client.DeactivateTenantAsync(tenant, ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine(response.Value.Deactivated
                ? $"Deactivated tenant {tenant}: its activation is gone."
                : $"Tenant {tenant} had no activation.");
            return 0;
        });

        var healthId = TenantIdArgument();
        var health = new Command("health", "Test the tenant's database connection (exit code 1 when it cannot connect or query).") { healthId };
        Admin(health, async (s, p, ct) =>
        {
            var response = await s.Client.GetTenantHealthAsync(p.GetValue(healthId)!, ct);
            var h = response.Value;
            var healthy = h.CanConnect && h.CanQuery;
            if (s.Json)
            {
                s.WriteJson(response.Json);
                return healthy ? 0 : 1;
            }

            TextTable.WriteDetails(s.Out,
            [
                ("tenant", p.GetValue(healthId)),
                ("healthy", TextTable.YesNo(healthy)),
                ("can connect", TextTable.YesNo(h.CanConnect)),
                ("can query", TextTable.YesNo(h.CanQuery)),
                ("rls enabled", TextTable.YesNo(h.RlsEnabled)),
                ("response time", h.ResponseTimeMs.ToString("0.0", CultureInfo.InvariantCulture) + " ms"),
                ("error", h.Error),
            ]);
            return healthy ? 0 : 1;
        });

        tenants.Subcommands.Add(list);
        tenants.Subcommands.Add(show);
        tenants.Subcommands.Add(create);
        tenants.Subcommands.Add(deactivate);
        tenants.Subcommands.Add(health);
        tenants.Subcommands.Add(Connection());
        tenants.Subcommands.Add(Move());
        tenants.Subcommands.Add(MovesList());
        return tenants;
    }

    private Command Connection()
    {
        var id = TenantIdArgument();
        var connectionString = new Option<string>("--connection-string") { Description = "The new connection string (application role).", Required = true };
        var replicas = ReplicaOption("A read replica's connection string; repeat for several.");
        var set = new Command("set", "Replace the tenant's connection settings; when this returns, no silo uses the old ones.")
        {
            id, connectionString, replicas,
        };
        Admin(set, async (s, p, ct) =>
        {
            var tenant = p.GetValue(id)!;
            var response = await s.Client.ReplaceConnectionAsync(
                tenant, new ReplaceConnectionRequest(p.GetValue(connectionString), NullIfEmpty(p.GetValue(replicas))), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Replaced the connection settings of tenant {tenant}; no silo uses the old ones.");
            return 0;
        });

        var connection = new Command("connection", "A tenant's own connection settings.");
        connection.Subcommands.Add(set);
        return connection;
    }

    private Command Keys()
    {
        var keys = new Command("keys", "Issue and revoke tenant API keys.");

        var tenant = TenantIdArgument("tenant");
        var name = new Option<string>("--name") { Description = "A label for the key (who or what uses it)." };
        var issue = new Command("issue", "Issue an API key for a tenant; the key is printed once and never again.") { tenant, name };
        Admin(issue, async (s, p, ct) =>
        {
            var tenantId = p.GetValue(tenant)!;
            var response = await s.Client.IssueApiKeyAsync(tenantId, new IssueApiKeyRequest(p.GetValue(name)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Issued API key {response.Value.Id} for tenant {tenantId}.");
            s.Out.WriteLine("The key is shown only this once; store it now:");
            s.Out.WriteLine();
            s.Out.WriteLine($"    {response.Value.Key}");
            s.Out.WriteLine();
            s.Out.WriteLine($"Send it as 'Authorization: Bearer <key>' to /api/tenants/{tenantId}/...");
            s.Out.WriteLine($"Revoke it with: keys revoke {tenantId} {response.Value.Id}");
            return 0;
        });

        var revokeTenant = TenantIdArgument("tenant");
        var keyId = new Argument<Guid>("keyId") { Description = "The key's id, as printed by `keys issue`." };
        var revoke = new Command("revoke", "Revoke an API key; when this returns, no silo accepts it.") { revokeTenant, keyId };
        Admin(revoke, async (s, p, ct) =>
        {
            var tenantId = p.GetValue(revokeTenant)!;
            var id = p.GetValue(keyId);
            await s.Client.RevokeApiKeyAsync(tenantId, id, ct);
            s.Out.WriteLine(s.Json ? "{ \"revoked\": true }" : $"Revoked API key {id} of tenant {tenantId}.");
            return 0;
        });

        keys.Subcommands.Add(issue);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private Command Databases()
    {
        var databases = new Command("databases", "Register and list databases tenants can be placed on.");

        var list = new Command("list", "List registered databases (never their connection settings).");
        Admin(list, async (s, _, ct) =>
        {
            var response = await s.Client.ListDatabasesAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Count == 0)
            {
                s.Out.WriteLine("No databases.");
                return 0;
            }

            var table = new TextTable("NAME", "KIND", "SHARD SET", "SHARD", "CREATED");
            foreach (var d in response.Value.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                table.Add(d.Name, d.Kind, d.ShardSet, d.ShardIndex?.ToString(CultureInfo.InvariantCulture), TextTable.Time(d.CreatedAt));
            }

            table.WriteTo(s.Out);
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The database's name in the catalog ('main' is single mode's database)." };
        var connectionString = new Option<string>("--connection-string") { Description = "Connection string tenants use (application role).", Required = true };
        var replicas = ReplicaOption("A read replica's connection string; repeat for several.");
        var migration = new Option<string>("--migration-connection-string") { Description = "Connection string tenant migrations run as (the owner role); default: the application one." };
        var add = new Command("add", "Register a database tenants can share; tenant migrations are applied to it.") { name, connectionString, replicas, migration };
        Admin(add, async (s, p, ct) =>
        {
            var response = await s.Client.RegisterDatabaseAsync(
                new RegisterDatabaseRequest(p.GetValue(name), p.GetValue(connectionString), NullIfEmpty(p.GetValue(replicas)), p.GetValue(migration)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Registered database {response.Value.Name} ({response.Value.Kind}); tenant migrations applied.");
            return 0;
        });

        databases.Subcommands.Add(list);
        databases.Subcommands.Add(add);
        return databases;
    }

    private Command ShardSets()
    {
        var name = new Argument<string>("name") { Description = "The shard set's name." };
        var databases = new Argument<string[]>("database") { Description = "Registered shared databases, in shard order.", Arity = ArgumentArity.OneOrMore };
        var create = new Command("create", "Group registered shared databases into a shard set.") { name, databases };
        Admin(create, async (s, p, ct) =>
        {
            var response = await s.Client.CreateShardSetAsync(new CreateShardSetRequest(p.GetValue(name), p.GetValue(databases)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Created shard set {response.Value.Name}: {string.Join(", ", response.Value.Databases)}.");
            return 0;
        });

        var shardSets = new Command("shard-sets", "Shard sets: databases sharded tenants are spread over.");
        shardSets.Subcommands.Add(create);
        return shardSets;
    }

    private Command Cluster()
    {
        var cluster = new Command("cluster", "List the silos in the membership table with their activations.");
        Admin(cluster, async (s, _, ct) =>
        {
            var response = await s.Client.GetClusterAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Silos.Count == 0)
            {
                s.Out.WriteLine("No silos.");
                return 0;
            }

            var table = new TextTable("ADDRESS", "NAME", "URL", "STATUS", "ACTIVATIONS", "STARTED");
            foreach (var silo in response.Value.Silos)
            {
                table.Add(silo.Address, silo.Name, silo.Url, silo.Status, TextTable.Number(silo.Activations), TextTable.Time(silo.StartedAt));
            }

            table.WriteTo(s.Out);
            return 0;
        });
        return cluster;
    }

    private Command Metrics()
    {
        var metrics = new Command("metrics", "Show the answering silo's runtime counters and catalog totals.");
        Admin(metrics, async (s, _, ct) =>
        {
            var response = await s.Client.GetMetricsAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            var table = new TextTable("METRIC", "VALUE");
            Flatten(response.Value, null, table);
            table.WriteTo(s.Out);
            return 0;
        });
        return metrics;
    }

    private Command Migrations()
    {
        var migrations = new Command("migrations", "Schema migrations of the catalog and every tenant database.");

        var status = new Command("status", "Show where the catalog and each registered tenant database stand (over the admin API).");
        Admin(status, async (s, _, ct) =>
        {
            var response = await s.Client.GetSchemaStatusAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            WriteSchemaStatus(s.Out, response.Value);
            return 0;
        });

        var catalog = new Option<string>("--catalog")
        {
            Description = "Catalog connection string, as the owner role (default: ConnectionStrings__Catalog). Encryption keys come from Encryption__Keys__<id> / Encryption__ActiveKeyId, else ./" + CliContext.EncryptionKeyFile + ".",
        };
        var apply = new Command("apply", "Apply pending migrations directly, as a starting silo does: the catalog, then every tenant database it knows.") { catalog };
        apply.SetAction((p, ct) => MigrationsApply.RunAsync(_context, p.GetValue(catalog), p.GetValue(_json), ct));

        migrations.Subcommands.Add(status);
        migrations.Subcommands.Add(apply);
        return migrations;
    }

    private Command Encryption()
    {
        var rotate = new Command("rotate", "Re-encrypt every stored secret under the silo's active encryption key.");
        Admin(rotate, async (s, _, ct) =>
        {
            var response = await s.Client.RotateEncryptionAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            var r = response.Value;
            s.Out.WriteLine(
                $"Re-encrypted {r.DatabaseSecrets + r.TenantSecrets} value(s) under key {r.ActiveKeyId}: "
                + $"{r.DatabaseSecrets} database secret(s), {r.TenantSecrets} tenant secret(s).");
            return 0;
        });

        var encryption = new Command("encryption", "Encryption of the stored secrets.");
        encryption.Subcommands.Add(rotate);
        return encryption;
    }

    /// <summary>Sets an action that talks to the admin API, turning its refusals into messages and exit code 1.</summary>
    private void Admin(Command command, Func<AdminSession, ParseResult, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parse, ct) =>
        {
            var url = parse.GetValue(_url);
            if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
            {
                await _context.Error.WriteLineAsync($"error: --url must be an absolute http(s) URL, not '{url}'.");
                return 1;
            }

            var (key, keySource) = ResolveAdminKey(parse);
            using var client = new AdminClient(baseAddress, key);
            try
            {
                return await action(new AdminSession(client, _context.Output, parse.GetValue(_json)), parse, ct);
            }
            catch (AdminApiException problem)
            {
                WriteProblem(problem, keySource);
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await _context.Error.WriteLineAsync($"error: cannot reach the admin API at {client.BaseAddress}: {ex.Message}");
                await _context.Error.WriteLineAsync($"hint: is a silo listening there? Point --url (or {CliContext.UrlVariable}) at one.");
                return 1;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                await _context.Error.WriteLineAsync($"error: the admin API at {client.BaseAddress} did not answer in time.");
                return 1;
            }
        });
    }

    private (string? Key, string? Source) ResolveAdminKey(ParseResult parse)
    {
        if (parse.GetValue(_adminKey) is { Length: > 0 } option)
        {
            return (option, "--admin-key");
        }

        if (_context.Variable(CliContext.AdminKeyVariable) is { } variable)
        {
            return (variable, CliContext.AdminKeyVariable);
        }

        var file = _context.ResolvePath(CliContext.AdminKeyFile);
        if (File.Exists(file) && File.ReadAllText(file).Trim() is { Length: > 0 } fromFile)
        {
            return (fromFile, file);
        }

        return (null, null);
    }

    private void WriteProblem(AdminApiException problem, string? keySource)
    {
        var error = _context.Error;
        error.WriteLine(problem.Detail is null ? $"error: {problem.Title}" : $"error: {problem.Title}: {problem.Detail}");
        if (problem.Errors is not null)
        {
            foreach (var (field, reasons) in problem.Errors.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                foreach (var reason in reasons)
                {
                    error.WriteLine($"  {field}: {reason}");
                }
            }
        }

        if (problem.Status == 401)
        {
            error.WriteLine(keySource is null
                ? $"hint: no admin key was given. Pass --admin-key, set {CliContext.AdminKeyVariable}, or run where the silo's ./{CliContext.AdminKeyFile} is (the embedded default writes it)."
                : $"hint: the admin key from {keySource} was refused. The silo's key is its Admin__ApiKey setting (the embedded default keeps it in ./{CliContext.AdminKeyFile}).");
        }
    }

    private static int WriteTenant(TextWriter output, TenantInfo t)
    {
        TextTable.WriteDetails(output,
        [
            ("id", t.Id),
            ("name", t.Name),
            ("industry", t.Industry),
            ("status", t.Status),
            ("mode", t.Placement.Mode),
            ("database", t.Placement.Database),
            ("own connection", TextTable.YesNo(t.Placement.OwnConnectionSettings)),
            ("max pool size", TextTable.Number(t.Placement.MaxPoolSize)),
            ("max concurrency", TextTable.Number(t.Placement.MaxConcurrency)),
            ("activation", t.Activation ?? "none"),
            ("created", TextTable.Time(t.CreatedAt)),
            ("updated", TextTable.Time(t.UpdatedAt)),
        ]);
        return 0;
    }

    /// <summary>One row per database: the catalog first, then every registered tenant database.</summary>
    internal static void WriteSchemaStatus(TextWriter output, SchemaStatusReport report)
    {
        var table = new TextTable("DATABASE", "SET", "CURRENT", "LATEST", "PENDING");
        var catalog = report.Catalog;
        table.Add(catalog.Database, "catalog", TextTable.Number(catalog.CurrentVersion), TextTable.Number(catalog.LatestVersion), Pending(catalog.Pending));
        var behind = catalog.Pending.Count > 0 ? 1 : 0;
        var failed = 0;
        foreach (var database in report.TenantDatabases.OrderBy(d => d.Database, StringComparer.Ordinal))
        {
            if (database.Status is { } status)
            {
                table.Add(database.Database, "tenant", TextTable.Number(status.CurrentVersion), TextTable.Number(status.LatestVersion), Pending(status.Pending));
                behind += status.Pending.Count > 0 ? 1 : 0;
            }
            else
            {
                table.Add(database.Database, "tenant", "?", "?", "unreachable: " + database.Error);
                failed++;
            }
        }

        table.WriteTo(output);
        output.WriteLine();
        output.WriteLine(behind == 0 && failed == 0
            ? "All databases are current."
            : $"{behind} database(s) behind, {failed} unreachable. A starting silo applies pending migrations; so does `migrations apply`.");
    }

    private static string Pending(IReadOnlyList<string> pending) =>
        pending.Count == 0 ? "0" : $"{pending.Count} ({string.Join(", ", pending)})";

    private static void Flatten(JsonElement element, string? prefix, TextTable table)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix is null ? property.Name : $"{prefix}.{property.Name}", table);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}[{index++}]", table);
                }

                break;
            case JsonValueKind.String:
                table.Add(prefix ?? "value", element.GetString());
                break;
            default:
                table.Add(prefix ?? "value", element.GetRawText());
                break;
        }
    }

    private static Argument<string> TenantIdArgument(string name = "id") =>
        new(name) { Description = "The tenant id (a lower-case slug)." };

    private static Option<string[]> ReplicaOption(string description) =>
        new("--replica") { Description = description, Arity = ArgumentArity.ZeroOrMore };

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>What an admin command works with: the client, where to print, and whether to print JSON.</summary>
    private sealed record AdminSession(AdminClient Client, TextWriter Out, bool Json)
    {
        public int WriteJson(string json)
        {
            Out.WriteLine(json.Length == 0 ? "{}" : TextTable.Indent(json));
            return 0;
        }
    }
}
