using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using Xunit;

namespace OrleansTenants.Cli.Tests;

/// <summary>The CLI's entry point run in process against a real silo, over the admin HTTP API.</summary>
public sealed partial class AdminCliTests(CliSilo silo) : IClassFixture<CliSilo>
{
    [Fact]
    public async Task Created_tenant_is_listed_and_shown()
    {
        var id = NewTenantId();
        var create = await silo.RunAsync("tenants", "create", id, "--name", "Cli Test Co", "--industry", "Testing", "--mode", "single");
        create.ExitCode.Should().Be(0, create.ToString());
        create.Output.Should().Contain($"Created tenant {id}.");

        var list = await silo.RunAsync("tenants", "list");
        list.ExitCode.Should().Be(0, list.ToString());
        var header = list.Output.Split('\n')[0];
        // Spectre pads the last column to its width: trailing spaces, nothing else.
        header.Should().MatchRegex(@"^ID\s+NAME\s+INDUSTRY\s+MODE\s+DATABASE\s+STATUS\s+ACTIVATION *$");
        var row = list.Output.Split('\n').Single(l => l.StartsWith(id + " ", StringComparison.Ordinal));
        row.Should().MatchRegex($@"^{id}\s+Cli Test Co\s+Testing\s+single\s+main\s+active\s+");
        // Columns line up: every cell of the row starts where its header does.
        row.IndexOf("single", StringComparison.Ordinal).Should().Be(header.IndexOf("MODE", StringComparison.Ordinal));

        var show = await silo.RunAsync("tenants", "show", id);
        show.ExitCode.Should().Be(0, show.ToString());
        show.Output.Should().MatchRegex($@"id:\s+{id}").And.MatchRegex(@"mode:\s+single").And.MatchRegex(@"database:\s+main");
    }

    [Fact]
    public async Task Issued_key_works_until_it_is_revoked()
    {
        var id = await CreateTenantAsync();

        var issue = await silo.RunAsync("keys", "issue", id, "--name", "cli-test");
        issue.ExitCode.Should().Be(0, issue.ToString());
        issue.Output.Should().Contain("shown only this once");
        var key = KeyLine().Match(issue.Output).Groups["key"].Value;
        key.Should().StartWith("otk_");
        var keyId = Regex.Match(issue.Output, @"Issued API key (?<id>[0-9a-f-]{36})").Groups["id"].Value;

        using var tenant = silo.TenantClient(key);
        using (var ok = await tenant.GetAsync(new Uri($"api/tenants/{id}/accounts", UriKind.Relative)))
        {
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var revoke = await silo.RunAsync("keys", "revoke", id, keyId);
        revoke.ExitCode.Should().Be(0, revoke.ToString());
        revoke.Output.Should().Contain($"Revoked API key {keyId} of tenant {id}.");

        using var refused = await tenant.GetAsync(new Uri($"api/tenants/{id}/accounts", UriKind.Relative));
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var again = await silo.RunAsync("keys", "revoke", id, keyId);
        again.ExitCode.Should().Be(1);
        again.Error.Should().Contain("error: Not found:");
    }

    [Fact]
    public async Task Deactivate_removes_the_activation()
    {
        var id = await CreateTenantAsync();
        var key = await IssueKeyAsync(id);
        using (var tenant = silo.TenantClient(key))
        using (var ok = await tenant.GetAsync(new Uri($"api/tenants/{id}/accounts", UriKind.Relative)))
        {
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var active = await silo.RunAsync("tenants", "show", id);
        active.Output.Should().NotMatchRegex(@"activation:\s+none");

        var deactivate = await silo.RunAsync("tenants", "deactivate", id);
        deactivate.ExitCode.Should().Be(0, deactivate.ToString());
        deactivate.Output.Should().Contain($"Deactivated tenant {id}");

        var gone = await silo.RunAsync("tenants", "show", id);
        gone.Output.Should().MatchRegex(@"activation:\s+none");

        var twice = await silo.RunAsync("tenants", "deactivate", id);
        twice.ExitCode.Should().Be(0, twice.ToString());
        twice.Output.Should().Contain($"Tenant {id} had no activation.");
    }

    [Fact]
    public async Task Health_reports_a_reachable_database_with_row_level_security()
    {
        var id = await CreateTenantAsync();
        var health = await silo.RunAsync("tenants", "health", id);
        health.ExitCode.Should().Be(0, health.ToString());
        health.Output.Should().MatchRegex(@"healthy:\s+yes").And.MatchRegex(@"can connect:\s+yes")
            .And.MatchRegex(@"can query:\s+yes").And.MatchRegex(@"rls enabled:\s+yes").And.MatchRegex(@"response time:\s+\d+\.\d ms");
    }

    [Fact]
    public async Task Connection_set_gives_the_tenant_its_own_settings()
    {
        var id = await CreateTenantAsync();
        var set = await silo.RunAsync("tenants", "connection", "set", id, "--connection-string", silo.MainAppConnectionString);
        set.ExitCode.Should().Be(0, set.ToString());
        set.Output.Should().Contain($"Replaced the connection settings of tenant {id}");
        set.Output.Should().NotContain("Password");

        var show = await silo.RunAsync("tenants", "show", id);
        show.Output.Should().MatchRegex(@"own connection:\s+yes");
        show.Output.Should().NotContain("Password").And.NotContain(silo.MainAppConnectionString);
        (await silo.RunAsync("tenants", "health", id)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Databases_and_shard_sets_place_a_sharded_tenant()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string[] shards = [$"shard-{suffix}-a", $"shard-{suffix}-b"];
        foreach (var shard in shards)
        {
            var database = await silo.ProvisionDatabaseAsync("clishard");
            var add = await silo.RunAsync("databases", "add", shard, "--connection-string", database.AppConnectionString, "--migration-connection-string", database.OwnerConnectionString);
            add.ExitCode.Should().Be(0, add.ToString());
            add.Output.Should().Contain($"Registered database {shard} (shared)");
        }

        var set = await silo.RunAsync("shard-sets", "create", $"set-{suffix}", shards[0], shards[1]);
        set.ExitCode.Should().Be(0, set.ToString());
        set.Output.Should().Contain($"Created shard set set-{suffix}: {shards[0]}, {shards[1]}.");

        var list = await silo.RunAsync("databases", "list");
        list.ExitCode.Should().Be(0, list.ToString());
        list.Output.Should().MatchRegex($@"{shards[1]}\s+shard\s+set-{suffix}\s+1\s+");
        list.Output.Should().MatchRegex(@"(?m)^main\s+single\s+");
        list.Output.Should().NotContain("Password");

        var id = NewTenantId();
        var create = await silo.RunAsync("tenants", "create", id, "--name", "Sharded Co", "--mode", "sharded", "--shard-set", $"set-{suffix}");
        create.ExitCode.Should().Be(0, create.ToString());
        create.Output.Should().MatchRegex($@"database:\s+shard-{suffix}-[ab]");
    }

    [Fact]
    public async Task Move_follows_the_move_to_its_end_and_moves_lists_it()
    {
        var id = await CreateTenantAsync();
        var key = await IssueKeyAsync(id);
        var target = $"cli-move-{Guid.NewGuid():N}"[..20];
        var database = await silo.ProvisionDatabaseAsync("climove");
        (await silo.RunAsync("databases", "add", target, "--connection-string", database.AppConnectionString, "--migration-connection-string", database.OwnerConnectionString))
            .ExitCode.Should().Be(0);

        var move = await silo.RunAsync("tenants", "move", id, "--mode", "shared", "--database", target);

        move.ExitCode.Should().Be(0, move.ToString());
        move.Output.Should().MatchRegex(@"status:\s+completed").And.MatchRegex($@"to:\s+{target} \(shared\)").And.NotContain("Password")
            .And.MatchRegex(@"verified:\s+\d+ tables: row counts and checksums match").And.MatchRegex(@"mode:\s+online").And.MatchRegex(@"phase:\s+-");
        (await silo.RunAsync("tenants", "show", id)).Output.Should().MatchRegex($@"database:\s+{target}");
        using (var tenant = silo.TenantClient(key))
        using (var ok = await tenant.GetAsync(new Uri($"api/tenants/{id}/accounts", UriKind.Relative)))
        {
            ok.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var list = await silo.RunAsync("tenants", "moves", id);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Output.Should().MatchRegex($@"(?m)^[0-9a-f-]{{36}}\s+main\s+{target}\s+completed\s+0\s+");
        var again = await silo.RunAsync("tenants", "move", id, "--mode", "shared", "--database", target);
        again.ExitCode.Should().Be(1);
        again.Error.Should().Contain("already");
    }

    [Fact]
    public async Task Cluster_lists_the_running_silo()
    {
        var cluster = await silo.RunAsync("cluster");
        cluster.ExitCode.Should().Be(0, cluster.ToString());
        cluster.Output.Should().MatchRegex(@"^ADDRESS\s+NAME\s+URL\s+STATUS\s+ACTIVATIONS\s+STARTED");
        cluster.Output.Should().MatchRegex($@"\s{Regex.Escape(silo.Url.AbsoluteUri.TrimEnd('/'))}/?\s+active\s+\d+\s+");
    }

    [Fact]
    public async Task Metrics_prints_the_counters()
    {
        var metrics = await silo.RunAsync("metrics");
        metrics.ExitCode.Should().Be(0, metrics.ToString());
        metrics.Output.Should().MatchRegex(@"^METRIC\s+VALUE").And.MatchRegex(@"(?m)^runtime\.activations\s+\d+").And.MatchRegex(@"(?m)^tenantsRegistered\s+\d+");
    }

    [Fact]
    public async Task Migrations_status_shows_the_catalog_current()
    {
        var status = await silo.RunAsync("migrations", "status");
        status.ExitCode.Should().Be(0, status.ToString());
        status.Output.Should().MatchRegex(@"^DATABASE\s+SET\s+CURRENT\s+LATEST\s+PENDING");
        var catalog = Regex.Match(status.Output, $@"(?m)^{silo.CatalogDatabase}\s+catalog\s+(?<current>\d+)\s+(?<latest>\d+)\s+0 *$");
        catalog.Success.Should().BeTrue(status.Output);
        catalog.Groups["current"].Value.Should().Be(catalog.Groups["latest"].Value);
        status.Output.Should().MatchRegex(@"(?m)^main\s+tenant\s+(\d+)\s+\1\s+0 *$");
    }

    [Fact]
    public async Task Migrations_apply_brings_a_fresh_catalog_current_from_the_environment()
    {
        var fresh = await silo.Server.CreateDatabaseAsync("clifresh");
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["ConnectionStrings__Catalog"] = silo.Server.GetConnectionString(fresh),
                [$"Encryption__Keys__{CliSilo.EncryptionKeyId}"] = CliSilo.EncryptionKey,
            };
            var first = await silo.RunWithAsync(environment, ["migrations", "apply"]);
            first.ExitCode.Should().Be(0, first.ToString());
            first.Output.Should().MatchRegex(@"Catalog: [1-9]\d* migration\(s\) applied now\.").And.Contain("All databases are current.");
            first.Error.Should().Contain("info: Applied migration catalog/");
            first.Output.Should().MatchRegex($@"(?m)^{fresh}\s+catalog\s+(\d+)\s+\1\s+0 *$");

            var second = await silo.RunWithAsync(environment, ["migrations", "apply"]);
            second.ExitCode.Should().Be(0, second.ToString());
            second.Output.Should().Contain("Catalog: 0 migration(s) applied now.");
        }
        finally
        {
            await silo.Server.DropDatabaseAsync(fresh);
        }
    }

    [Fact]
    public async Task Migrations_apply_reaches_the_tenant_databases_with_the_catalog_option()
    {
        var environment = new Dictionary<string, string?> { [$"Encryption__Keys__{CliSilo.EncryptionKeyId}"] = CliSilo.EncryptionKey };
        var apply = await silo.RunWithAsync(environment, ["migrations", "apply", "--catalog", silo.CatalogConnectionString]);
        apply.ExitCode.Should().Be(0, apply.ToString());
        apply.Output.Should().Contain("Catalog: 0 migration(s) applied now.").And.MatchRegex(@"(?m)^main\s+tenant\s+(\d+)\s+\1\s+0 *$");
        apply.Output.Should().NotContain("Password");
    }

    [Fact]
    public async Task Migrations_apply_without_keys_or_catalog_says_what_is_missing()
    {
        var noCatalog = await silo.RunWithAsync(new Dictionary<string, string?>(), ["migrations", "apply"]);
        noCatalog.ExitCode.Should().Be(1);
        noCatalog.Error.Should().Contain("ConnectionStrings__Catalog");

        var noKeys = await silo.RunWithAsync(new Dictionary<string, string?>(), ["migrations", "apply", "--catalog", silo.CatalogConnectionString]);
        noKeys.ExitCode.Should().Be(1);
        noKeys.Error.Should().Contain("error: encryption keys:").And.Contain("Encryption__Keys__<id>");
    }

    [Fact]
    public async Task Encryption_rotate_reports_the_count()
    {
        var rotate = await silo.RunAsync("encryption", "rotate");
        rotate.ExitCode.Should().Be(0, rotate.ToString());
        rotate.Output.Should().MatchRegex($@"^Re-encrypted \d+ value\(s\) under key {CliSilo.EncryptionKeyId}: \d+ database secret\(s\), \d+ tenant secret\(s\)\.");
    }

    [Fact]
    public async Task Bad_admin_key_exits_1_with_a_hint()
    {
        var run = await silo.RunWithAsync(new Dictionary<string, string?>(), ["--url", silo.Url.AbsoluteUri, "--admin-key", "wrong-key", "tenants", "list"]);
        run.ExitCode.Should().Be(1);
        run.Output.Should().BeEmpty();
        run.Error.Should().StartWith("error: Unauthorized: Send the admin key as 'Authorization: Bearer <key>'.");
        run.Error.Should().Contain("hint: the admin key from --admin-key was refused");
        run.Error.Should().NotContain("wrong-key");
    }

    [Fact]
    public async Task Missing_admin_key_says_where_one_comes_from()
    {
        var run = await silo.RunWithAsync(new Dictionary<string, string?>(), ["--url", silo.Url.AbsoluteUri, "cluster"]);
        run.ExitCode.Should().Be(1);
        run.Error.Should().Contain("hint: no admin key was given").And.Contain("OT_ADMIN_KEY");
    }

    [Fact]
    public async Task Url_and_key_come_from_the_environment_or_the_embedded_key_file()
    {
        var fromEnvironment = await silo.RunWithAsync(
            new Dictionary<string, string?> { ["OT_URL"] = silo.Url.AbsoluteUri, ["OT_ADMIN_KEY"] = CliSilo.AdminKey }, ["cluster"]);
        fromEnvironment.ExitCode.Should().Be(0, fromEnvironment.ToString());

        using var directory = new TestSupport.TemporaryDirectory("cli-keyfile-");
        Directory.CreateDirectory(Path.Combine(directory.Path, ".data"));
        await File.WriteAllTextAsync(Path.Combine(directory.Path, ".data", "admin-api-key"), CliSilo.AdminKey + "\n");
        var fromFile = await silo.RunWithAsync(new Dictionary<string, string?> { ["OT_URL"] = silo.Url.AbsoluteUri }, ["cluster"], directory.Path);
        fromFile.ExitCode.Should().Be(0, fromFile.ToString());
    }

    [Fact]
    public async Task Invalid_tenant_id_prints_the_field_error()
    {
        var run = await silo.RunAsync("tenants", "create", "Not_A_Slug", "--name", "Bad", "--mode", "single");
        run.ExitCode.Should().Be(1);
        run.Error.Should().StartWith("error: Invalid request: id: must be a lower-case slug");
        run.Error.Should().MatchRegex(@"(?m)^  id: must be a lower-case slug");
    }

    [Fact]
    public async Task Unknown_tenant_is_a_clear_not_found()
    {
        var run = await silo.RunAsync("tenants", "show", "no-such-tenant");
        run.ExitCode.Should().Be(1);
        run.Error.Should().StartWith("error: Not found: There is no tenant 'no-such-tenant'.");
    }

    [Fact]
    public async Task Json_option_prints_the_api_json()
    {
        var id = await CreateTenantAsync();
        var list = await silo.RunAsync("tenants", "list", "--json");
        list.ExitCode.Should().Be(0, list.ToString());
        using var document = JsonDocument.Parse(list.Output);
        document.RootElement.EnumerateArray().Select(t => t.GetProperty("id").GetString()).Should().Contain(id);

        var issue = await silo.RunAsync("--json", "keys", "issue", id);
        issue.ExitCode.Should().Be(0, issue.ToString());
        using var key = JsonDocument.Parse(issue.Output);
        key.RootElement.GetProperty("key").GetString().Should().StartWith("otk_");
    }

    [Fact]
    public async Task Parse_errors_exit_non_zero_without_calling_the_api()
    {
        var run = await silo.RunAsync("tenants", "create", "x", "--name", "X", "--mode", "nowhere");
        run.ExitCode.Should().NotBe(0);
        run.Error.Should().Contain("nowhere");

        var badUrl = await silo.RunWithAsync(new Dictionary<string, string?>(), ["--url", "not a url", "cluster"]);
        badUrl.ExitCode.Should().Be(1);
        badUrl.Error.Should().Contain("--url must be an absolute http(s) URL");
    }

    private static string NewTenantId() => $"cli-{Guid.NewGuid():N}"[..16];

    private async Task<string> CreateTenantAsync()
    {
        var id = NewTenantId();
        var create = await silo.RunAsync("tenants", "create", id, "--name", $"Tenant {id}", "--mode", "single");
        create.ExitCode.Should().Be(0, create.ToString());
        return id;
    }

    private async Task<string> IssueKeyAsync(string id)
    {
        var issue = await silo.RunAsync("keys", "issue", id);
        issue.ExitCode.Should().Be(0, issue.ToString());
        return KeyLine().Match(issue.Output).Groups["key"].Value;
    }

    [GeneratedRegex(@"(?m)^    (?<key>otk_\S+)$")]
    private static partial Regex KeyLine();
}
