using Xunit;

namespace OrleansTenants.TestSupport;

/// <summary>A fresh database on the shared <see cref="PostgresTestServer"/> for one test class; dropped afterwards.</summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    private PostgresTestServer? _server;
    private string? _databaseName;

    public PostgresTestServer Server => _server ?? throw NotInitialized();

    public string DatabaseName => _databaseName ?? throw NotInitialized();

    /// <summary>A superuser connection string to the fresh database.</summary>
    public string ConnectionString => Server.GetConnectionString(DatabaseName);

    public async Task InitializeAsync()
    {
        _server = await PostgresTestServer.GetAsync();
        _databaseName = await _server.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null && _databaseName is not null)
        {
            await _server.DropDatabaseAsync(_databaseName);
        }
    }

    private static InvalidOperationException NotInitialized() => new("The fixture is used before xunit initialized it.");
}
