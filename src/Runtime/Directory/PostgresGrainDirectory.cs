using Npgsql;
using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Directory;

/// <summary>
/// The grain directory in PostgreSQL (<c>cluster.grain_directory</c>, see <see cref="ClusterSchema"/>).
/// Registration is one <c>INSERT ... ON CONFLICT DO UPDATE ... RETURNING</c>: PostgreSQL then either inserts our
/// row or locks the conflicting one (waiting for a concurrent inserter to commit), so every caller gets a row back
/// and it is the winner. An existing entry is kept while its silo is <c>active</c> in <c>cluster.silos</c> and is
/// replaced otherwise, decided inside that statement; there is never a delete followed by an insert. Only a silo that
/// is <c>active</c> itself may register: one shutting down, declared dead or unknown gets no entry.
/// </summary>
public sealed class PostgresGrainDirectory(NpgsqlDataSource dataSource) : IGrainDirectory
{
    // The DO UPDATE always rewrites the row (with its own values when the owner is alive) because a DO UPDATE whose
    // WHERE is false returns nothing. cluster.silo_holds_activations is volatile, so it sees the owner's status as of the
    // moment the entry is locked (see the migration); the sub-SELECT calls it once, so the four columns agree. When the
    // registering silo is not active the SELECT proposes no row, so nothing is inserted or replaced and nothing returned.
    private const string RegisterSql = """
        INSERT INTO cluster.grain_directory AS d (grain_id, silo_endpoint, silo_generation, activation_id, registered_at)
        SELECT @grain_id, @silo_endpoint, @silo_generation, @activation_id, now()
        WHERE EXISTS (SELECT 1 FROM cluster.silos
                      WHERE endpoint = @silo_endpoint AND generation = @silo_generation AND status = 'active')
        ON CONFLICT (grain_id) DO UPDATE
        SET (silo_endpoint, silo_generation, activation_id, registered_at) = (
            SELECT CASE WHEN owner.keep THEN d.silo_endpoint ELSE EXCLUDED.silo_endpoint END,
                   CASE WHEN owner.keep THEN d.silo_generation ELSE EXCLUDED.silo_generation END,
                   CASE WHEN owner.keep THEN d.activation_id ELSE EXCLUDED.activation_id END,
                   CASE WHEN owner.keep THEN d.registered_at ELSE EXCLUDED.registered_at END
            FROM (SELECT cluster.silo_holds_activations(d.silo_endpoint, d.silo_generation) AS keep) AS owner)
        RETURNING d.silo_endpoint, d.silo_generation, d.activation_id
        """;

    private const string LookupSql =
        "SELECT silo_endpoint, silo_generation, activation_id FROM cluster.grain_directory WHERE grain_id = @grain_id";

    private const string UnregisterSql =
        "DELETE FROM cluster.grain_directory WHERE grain_id = @grain_id AND activation_id = @activation_id";

    private const string UnregisterSiloSql =
        "DELETE FROM cluster.grain_directory WHERE silo_endpoint = @silo_endpoint AND silo_generation = @silo_generation";

    private const string CountBySiloSql =
        "SELECT silo_endpoint, silo_generation, count(*)::int FROM cluster.grain_directory GROUP BY silo_endpoint, silo_generation";

    public async Task<GrainAddress> RegisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var command = dataSource.CreateCommand(RegisterSql);
        AddGrainId(command, address.GrainId);
        AddSilo(command, address.Silo);
        command.Parameters.Add(new NpgsqlParameter<Guid>("activation_id", address.ActivationId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new SiloUnavailableException($"Silo {address.Silo} is not an active member, so it may not register {address.GrainId}.");
        }

        var winner = ReadAddress(reader, address.GrainId);
        // Keep the caller's instance when it won, so a reference comparison is as good as an equality check.
        return winner == address ? address : winner;
    }

    public async Task<GrainAddress?> LookupAsync(GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(LookupSql);
        AddGrainId(command, grainId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAddress(reader, grainId) : null;
    }

    public async Task<bool> UnregisterAsync(GrainAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var command = dataSource.CreateCommand(UnregisterSql);
        AddGrainId(command, address.GrainId);
        command.Parameters.Add(new NpgsqlParameter<Guid>("activation_id", address.ActivationId));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<int> UnregisterSiloAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silo);
        await using var command = dataSource.CreateCommand(UnregisterSiloSql);
        AddSilo(command, silo);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<SiloAddress, int>> CountBySiloAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(CountBySiloSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new Dictionary<SiloAddress, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[new SiloAddress(reader.GetString(0), reader.GetInt64(1))] = reader.GetInt32(2);
        }

        return counts;
    }

    private static GrainAddress ReadAddress(NpgsqlDataReader reader, GrainId grainId) =>
        new(grainId, new SiloAddress(reader.GetString(0), reader.GetInt64(1)), reader.GetGuid(2));

    private static void AddGrainId(NpgsqlCommand command, GrainId grainId) =>
        command.Parameters.Add(new NpgsqlParameter<string>("grain_id", grainId.ToString()));

    private static void AddSilo(NpgsqlCommand command, SiloAddress silo)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("silo_endpoint", silo.Endpoint));
        command.Parameters.Add(new NpgsqlParameter<long>("silo_generation", silo.Generation));
    }
}
