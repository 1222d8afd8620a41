using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTenants.Postgres.Embedded;

namespace OrleansTenants.TestSupport;

/// <summary>
/// A physical streaming replica (hot standby) of an embedded primary: <c>pg_basebackup -R -X stream</c> into
/// <c>&lt;root&gt;/data</c>, then the embedded launcher starts it on a fixed port, so that it can be stopped and started
/// again where clients expect it. <c>infra/replica/start-replica.sh</c> does the same from the shell.
/// </summary>
public sealed class StreamingReplica : IAsyncDisposable
{
    private const string ProbeTable = "public.orleans_tenants_replica_probe";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private readonly string _primaryConnectionString;
    private readonly string? _replicationSlot;

    private StreamingReplica(RestartablePostgres server, string primaryConnectionString, string? replicationSlot)
    {
        Server = server;
        // Unpooled: a test may restart the primary, and a pooled session would then be a broken one.
        _primaryConnectionString = new NpgsqlConnectionStringBuilder(primaryConnectionString) { Pooling = false }.ConnectionString;
        _replicationSlot = replicationSlot;
    }

    /// <summary>The standby's server (fixed port; stop and start it through this object to wait for streaming).</summary>
    public RestartablePostgres Server { get; }

    public int Port => Server.Port;

    public string RootDirectory => Server.RootDirectory;

    /// <summary>A superuser connection string to the standby (the primary's superuser password: it is a copy).</summary>
    public string GetConnectionString(string database = "postgres") => Server.GetConnectionString(database);

    /// <summary>
    /// Clones <paramref name="primary"/> into <c>&lt;rootDirectory&gt;/data</c> (which must not hold a cluster yet), starts it on
    /// <paramref name="port"/> (a free one when null) and returns once it is in recovery and shows a row just written on the primary.
    /// With <paramref name="replicationSlot"/> the primary keeps WAL for it in a physical slot of that name (dropped on dispose).
    /// </summary>
    public static async Task<StreamingReplica> StartAsync(
        EmbeddedPostgres primary,
        string rootDirectory,
        int? port = null,
        string? replicationSlot = null,
        ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var root = Path.GetFullPath(rootDirectory);
        var data = Path.Combine(root, "data");
        if (Directory.Exists(data) && Directory.EnumerateFileSystemEntries(data).Any())
        {
            throw new InvalidOperationException($"{data} is not empty; a replica is cloned into a fresh directory.");
        }

        var primaryRoot = Path.GetDirectoryName(primary.DataDirectory)!;
        var password = (await File.ReadAllTextAsync(Path.Combine(primaryRoot, "superuser.password"), cancellationToken)).Trim();
        var account = Environment.UserName == "root" ? "postgres" : null;

        Directory.CreateDirectory(root);
        if (account is not null)
        {
            // The server account must get through the root to reach data/ (the launcher does the same).
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.OtherExecute);
        }

        Directory.CreateDirectory(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (account is not null)
        {
            await RunAsync(["chown", $"{account}:", data], null, cancellationToken);
        }

        List<string> command = account is null ? [] : ["runuser", "-u", account, "--"];
        command.AddRange(
        [
            LocateClientProgram("pg_basebackup"),
            "-h", "127.0.0.1", "-p", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres",
            "-D", data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        ]);
        if (replicationSlot is not null)
        {
            command.AddRange(["--create-slot", "--slot", replicationSlot]);
        }

        await RunAsync(command, password, cancellationToken);

        var passwordFile = Path.Combine(root, "superuser.password");
        File.Copy(Path.Combine(primaryRoot, "superuser.password"), passwordFile, overwrite: true);
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var server = await RestartablePostgres.StartAsync(root, port, logger, cancellationToken);
        var replica = new StreamingReplica(server, primary.GetConnectionString(), replicationSlot);
        try
        {
            await replica.WaitUntilStreamingAsync(DefaultTimeout, cancellationToken);
            return replica;
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the standby (fast shutdown).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => Server.StopAsync(cancellationToken);

    /// <summary>Starts the standby again on its port and waits until it streams from the primary again.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await Server.StartAgainAsync(cancellationToken);
        await WaitUntilStreamingAsync(DefaultTimeout, cancellationToken);
    }

    /// <summary>Waits until the standby is in recovery and shows a row written on the primary after this call began.</summary>
    public async Task WaitUntilStreamingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = Stopwatch.StartNew();
        await PollAsync(
            async ct => await QueryReplicaAsync<bool>("SELECT pg_is_in_recovery()", ct),
            "is in recovery",
            timeout - deadline.Elapsed,
            cancellationToken);

        var token = Guid.NewGuid();
        await using (var primary = new NpgsqlConnection(_primaryConnectionString))
        {
            await primary.OpenAsync(cancellationToken);
            try
            {
                await using var create = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS {ProbeTable} (token uuid PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())", primary);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Another replica of this primary created it at the same moment.
            }

            await using var insert = new NpgsqlCommand($"INSERT INTO {ProbeTable} (token) VALUES ($1)", primary);
            insert.Parameters.AddWithValue(token);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await PollAsync(
            async ct =>
            {
                try
                {
                    return await QueryReplicaAsync<bool>($"SELECT EXISTS (SELECT FROM {ProbeTable} WHERE token = '{token}')", ct);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    return false; // The table itself has not arrived yet.
                }
            },
            "shows a row just written on the primary",
            timeout - deadline.Elapsed,
            cancellationToken);
    }

    /// <summary>Waits until the standby has replayed everything the primary had committed when this call began.</summary>
    public async Task WaitForCatchUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        string target;
        await using (var primary = new NpgsqlConnection(_primaryConnectionString))
        {
            await primary.OpenAsync(cancellationToken);
            // The end of a message written in a transaction that commits synchronously: the commit flushes all WAL up to
            // it, so the standby can reach it. (The bare insert position may end in WAL that no one flushes for a while
            // under synchronous_commit=off, and a transaction that writes no WAL of its own does not flush.)
            await using var transaction = await primary.BeginTransactionAsync(cancellationToken);
            await using (var synchronous = new NpgsqlCommand("SET LOCAL synchronous_commit = on", primary, transaction))
            {
                await synchronous.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var message = new NpgsqlCommand("SELECT FROM pg_logical_emit_message(true, 'orleans-tenants', 'catch-up')", primary, transaction))
            {
                await message.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var position = new NpgsqlCommand("SELECT pg_current_wal_insert_lsn()::text", primary, transaction))
            {
                target = (string)(await position.ExecuteScalarAsync(cancellationToken))!;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await PollAsync(
            async ct => await QueryReplicaAsync<bool>($"SELECT coalesce(pg_last_wal_replay_lsn() >= '{target}'::pg_lsn, false)", ct),
            $"has replayed the primary's WAL up to {target}",
            timeout,
            cancellationToken);
    }

    /// <summary>Pauses WAL replay, so the standby lags on purpose until <see cref="ResumeReplayAsync"/>; returns once it is paused.</summary>
    public async Task PauseReplayAsync(CancellationToken cancellationToken = default)
    {
        await QueryReplicaAsync<object>("SELECT pg_wal_replay_pause()", cancellationToken);
        await PollAsync(
            async ct => await QueryReplicaAsync<string>("SELECT pg_get_wal_replay_pause_state()", ct) == "paused",
            "paused its replay",
            DefaultTimeout,
            cancellationToken);
    }

    public Task ResumeReplayAsync(CancellationToken cancellationToken = default) =>
        QueryReplicaAsync<object>("SELECT pg_wal_replay_resume()", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_replicationSlot is not null)
        {
            try
            {
                await using var primary = new NpgsqlConnection(_primaryConnectionString);
                await primary.OpenAsync();
                await using var drop = new NpgsqlCommand("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active", primary);
                drop.Parameters.AddWithValue(_replicationSlot);
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // The primary is gone already, and its slot with it.
            }
        }
    }

    private async Task<T> QueryReplicaAsync<T>(string sql, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(GetConnectionString()) { Pooling = false, Timeout = 5 }.ConnectionString;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is T typed ? typed : default!;
    }

    private async Task PollAsync(Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition(cancellationToken))
                {
                    return;
                }
            }
            catch (NpgsqlException e) when (e is not PostgresException { SqlState: not (PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.AdminShutdown) })
            {
                last = e; // Starting up or not reachable yet.
            }

            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"The replica on port {Port} never {what} within {timeout}.", last);
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>
    /// A client program of the server's installation: next to the located server programs, else next to what they link
    /// to (a PATH holding symlinks to only the server programs), else on the PATH.
    /// </summary>
    private static string LocateClientProgram(string program)
    {
        var bin = PostgresBinaries.Locate();
        var server = new FileInfo(Path.Combine(bin, "postgres"));
        var linked = server.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetDirectoryName(target.FullName) : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return new[] { bin, linked }.Concat(path).OfType<string>()
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{program} is neither next to the PostgreSQL server programs in {bin} nor on the PATH.");
    }

    private static async Task RunAsync(List<string> command, string? password, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/", // The postgres account may not enter the caller's directory.
        };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        if (password is not null)
        {
            info.Environment["PGPASSWORD"] = password;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' failed with exit code {process.ExitCode}: {(await output + await error).Trim()}");
        }
    }
}
