using Npgsql;
using OrleansTenants.Runtime;

namespace OrleansTenants.TestGrains;

/// <summary>
/// A grain that records each activation's life in a table, from whichever process hosts it, so a test can
/// check that no key was ever active on two silos at overlapping times.
/// </summary>
public interface ILoggedGrain : IGrainWithStringKey
{
    [Idempotent]
    Task<Guid> PingAsync();
}

public sealed class LoggedGrain(ActivationLog log) : Grain, ILoggedGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        log.RecordActivatedAsync(GetPrimaryKeyString(), _activationId, cancellationToken);

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        log.RecordDeactivatedAsync(_activationId, cancellationToken);

    public Task<Guid> PingAsync() => Task.FromResult(_activationId);
}

/// <summary>The <c>test_activation_log</c> table: one row per activation, with the process that held it.</summary>
public sealed class ActivationLog(NpgsqlDataSource dataSource, string processName)
{
    public const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS test_activation_log (
            activation_id uuid PRIMARY KEY,
            grain_key text NOT NULL,
            process text NOT NULL,
            activated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            deactivated_at timestamptz
        )
        """;

    public async Task RecordActivatedAsync(string key, Guid activationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO test_activation_log (activation_id, grain_key, process) VALUES ($1, $2, $3)");
        command.Parameters.AddWithValue(activationId);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue(processName);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordDeactivatedAsync(Guid activationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE test_activation_log SET deactivated_at = clock_timestamp() WHERE activation_id = $1");
        command.Parameters.AddWithValue(activationId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
