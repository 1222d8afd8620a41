using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTenants.Catalog.Provisioning;
using OrleansTenants.Catalog.Store;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Silo.Tests;

/// <summary>
/// Single mode on a configured catalog works out of the box: silos set up <c>main</c> (the catalog's own database,
/// reached as an application role that owns nothing, lacks BYPASSRLS and cannot read the catalog) once, however many
/// start at once, as a catalog role that is no superuser; a role that may not do it leaves the silo serving and says why.
/// </summary>
public sealed class SingleModeSetupTests : IAsyncLifetime
{
    private const string AdminKey = "single-mode-tests-admin-key-0123456789";
    private static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly List<SiloApplication> _silos = [];
    private readonly List<string> _roles = [];
    private readonly string _password = RandomNumberGenerator.GetHexString(32, lowercase: true);
    private PostgresTestServer _server = null!;
    private string _database = null!;

    public async Task InitializeAsync() => _server = await PostgresTestServer.GetAsync();

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await _server.DropDatabaseAsync(_database);
        foreach (var role in _roles)
        {
            await SuperuserExecuteAsync("postgres", $"DROP ROLE IF EXISTS \"{role}\"");
        }
    }

    [Fact]
    public async Task Two_silos_starting_at_once_set_up_main_once_and_serve_single_mode_tenants()
    {
        var catalog = await CreateCatalogAsync("CREATEROLE");

        var silos = await Task.WhenAll(StartSiloAsync(catalog), StartSiloAsync(catalog));

        using var admin = Client(silos[0], AdminKey);
        var databases = await admin.GetFromJsonAsync<JsonElement>("/admin/databases");
        databases.EnumerateArray().Where(d => d.GetProperty("name").GetString() == "main").Should().ContainSingle()
            .Which.GetProperty("kind").GetString().Should().Be("single");
        using var created = await admin.PostAsJsonAsync("/admin/tenants", new { id = "solo", name = "Solo", placement = new { mode = "single" } });
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var issued = await admin.PostAsJsonAsync("/admin/tenants/solo/api-keys", new { name = "tests" });
        var key = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var written = await Client(silos[1], key).PostAsJsonAsync("/api/tenants/solo/accounts", new { name = "Written through the other silo" });
        written.StatusCode.Should().Be(HttpStatusCode.Created, await written.Content.ReadAsStringAsync());
        (await Client(silos[0], key).GetStringAsync(written.Headers.Location)).Should().Contain("Written through the other silo");

        var app = await MainConnectionAsync(silos[0]);
        var role = new NpgsqlConnectionStringBuilder(app).Username!;
        _roles.Add(role);
        (await SuperuserScalarAsync<bool>($"SELECT rolbypassrls OR rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = '{role}'")).Should().BeFalse();
        (await SuperuserScalarAsync<long>($"SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = '{role}'")).Should().Be(0);
        await using var asApp = new NpgsqlConnection(app);
        await asApp.OpenAsync();
        await using var readCatalog = new NpgsqlCommand("SELECT count(*) FROM catalog.tenants", asApp);
        (await readCatalog.Invoking(c => c.ExecuteScalarAsync()).Should().ThrowAsync<PostgresException>())
            .Which.SqlState.Should().Be(PostgresErrorCodes.InsufficientPrivilege);

        // A later start finds main set up and leaves it as it is.
        var third = await StartSiloAsync(catalog);
        (await MainConnectionAsync(third)).Should().Be(app);
    }

    [Fact]
    public async Task A_catalog_role_that_may_not_create_roles_leaves_the_silo_serving_and_single_mode_refused_with_the_fix()
    {
        var catalog = await CreateCatalogAsync("NOCREATEROLE");

        var silo = await StartSiloAsync(catalog);

        using var admin = Client(silo, AdminKey);
        using var refused = await admin.PostAsJsonAsync("/admin/tenants", new { id = "solo", name = "Solo", placement = new { mode = "single" } });
        var problem = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest, problem);
        problem.Should().Contain("placement.mode").And.Contain("CREATEROLE").And.Contain("/admin/databases");
        (await admin.GetFromJsonAsync<JsonElement>("/admin/tenants")).GetArrayLength().Should().Be(0);
    }

    /// <summary>A catalog database owned by a role of its own with the given attribute, as an operator configures one.</summary>
    private async Task<string> CreateCatalogAsync(string createRole)
    {
        var owner = $"catalog_owner_{Guid.NewGuid():N}"[..30];
        await SuperuserExecuteAsync("postgres", $"CREATE ROLE \"{owner}\" LOGIN {createRole} PASSWORD '{_password}'");
        _roles.Add(owner);
        _database = await _server.CreateDatabaseAsync("single", owner);
        return _server.GetConnectionString(_database, owner, _password);
    }

    private async Task<SiloApplication> StartSiloAsync(string catalog)
    {
        var silo = await SiloApplication.CreateAsync(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ConnectionStrings:Catalog={catalog}",
            $"--Admin:ApiKey={AdminKey}",
            $"--Encryption:Keys:k1={EncryptionKey}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        lock (_silos)
        {
            _silos.Add(silo);
        }

        await silo.App.StartAsync();
        return silo;
    }

    private static async Task<string> MainConnectionAsync(SiloApplication silo) =>
        (await silo.App.Services.GetRequiredService<DatabaseCatalog>().GetConnectionAsync(SingleModeDatabase.Name, CancellationToken.None)).ConnectionString;

    private async Task SuperuserExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(_server.GetConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> SuperuserScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_server.GetConnectionString(_database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static HttpClient Client(SiloApplication silo, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(silo.App.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
