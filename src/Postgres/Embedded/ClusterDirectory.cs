using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OrleansTenants.Postgres.Embedded;

/// <summary>The root directory of an embedded server: the cluster (data/), its superuser password and its log.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class ClusterDirectory
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly PostgresTools _tools;

    public ClusterDirectory(string rootDirectory, PostgresTools tools)
    {
        _tools = tools;
        Root = Path.GetFullPath(rootDirectory);
        DataDirectory = LocalDataDirectory;
        LogFile = Path.Combine(Root, "postgres.log");
        PasswordFile = Path.Combine(Root, "superuser.password");
    }

    public string Root { get; }

    /// <summary>
    /// PGDATA: <c>data/</c> below the root, or, when the server account cannot reach the root (a checkout in a private
    /// directory, as root), a directory of its own under that account's home, recorded in <see cref="DataLocationFile"/>.
    /// </summary>
    public string DataDirectory { get; private set; }

    public string LogFile { get; }

    public string PasswordFile { get; }

    private string LocalDataDirectory => Path.Combine(Root, "data");

    private string DataLocationFile => Path.Combine(Root, "data-location");

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    // Which process started the running server: "<pid> <start time in clock ticks>", so a reused pid is told apart.
    private string OwnerFile => Path.Combine(Root, "owner");

    /// <summary>
    /// Leaves an initialized cluster with no server running on it and returns its superuser password; or, with
    /// <paramref name="joinRunning"/>, returns the port of a server that another live process runs on it.
    /// </summary>
    public async Task<(string Password, bool Created, int? RunningPort)> PrepareAsync(bool durable, bool joinRunning, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        LetServerAccountThrough();
        DataDirectory = await LocateDataDirectoryAsync(cancellationToken);
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return (await InitializeAsync(durable, cancellationToken), true, null);
        }

        if (!File.Exists(PasswordFile))
        {
            throw new EmbeddedPostgresSetupException(
                $"{DataDirectory} holds a PostgreSQL cluster but its password file {PasswordFile} is missing; delete {DataDirectory} to start afresh.");
        }

        var password = File.ReadAllText(PasswordFile).Trim();
        if (joinRunning && RunningOwner() is { } owner && owner != Environment.ProcessId && await IsServerRunningAsync(cancellationToken))
        {
            return (password, false, ReadServerPort());
        }

        await StopStaleServerAsync(logger, cancellationToken);
        return (password, false, null);
    }

    /// <summary>An exclusive lock on the root for one start; released when the returned stream is disposed.</summary>
    public Task<FileStream> LockForStartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        return FileLock.AcquireAsync(Path.Combine(Root, "start.lock"), timeout, cancellationToken);
    }

    /// <summary>Records this process as the one that runs the server it is starting.</summary>
    public void RecordOwner() =>
        File.WriteAllText(OwnerFile, $"{Environment.ProcessId} {LinuxProcess.StartTime(Environment.ProcessId)}");

    /// <summary>The process that started the running server, when it is still alive (same pid, same start time).</summary>
    public int? RunningOwner()
    {
        if (!File.Exists(OwnerFile))
        {
            return null;
        }

        var parts = File.ReadAllText(OwnerFile).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var started) && LinuxProcess.IsRunning(pid, started)
                ? pid
                : null;
    }

    // postmaster.pid: line 1 the postmaster's pid, line 4 its port.
    private int ReadServerPort() => int.Parse(File.ReadLines(PidFile).Skip(3).First(), CultureInfo.InvariantCulture);

    private async Task<bool> IsServerRunningAsync(CancellationToken cancellationToken) =>
        File.Exists(PidFile) && (await _tools.RunAsync("pg_ctl", ["status", "--pgdata=" + DataDirectory], cancellationToken)).ExitCode == 0;

    public long LogLength() => File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;

    /// <summary>The last lines the log gained after <paramref name="offset"/>: what a failed start said.</summary>
    public string ReadLogTail(long offset, int lines = 30)
    {
        if (!File.Exists(LogFile))
        {
            return "(no log)";
        }

        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().TrimEnd().Split('\n').TakeLast(lines));
    }

    public int ReadServerProcessId() => int.Parse(File.ReadLines(PidFile).First(), CultureInfo.InvariantCulture);

    // As root the server runs as the postgres account, which needs search permission on the root to reach data/.
    private void LetServerAccountThrough()
    {
        var mode = File.GetUnixFileMode(Root);
        if (_tools.ServerAccount is not null && !mode.HasFlag(UnixFileMode.OtherExecute))
        {
            File.SetUnixFileMode(Root, mode | UnixFileMode.OtherExecute);
        }
    }

    private async Task<string> LocateDataDirectoryAsync(CancellationToken cancellationToken)
    {
        if (File.Exists(DataLocationFile))
        {
            return File.ReadAllText(DataLocationFile).Trim();
        }

        if (await _tools.ServerAccountCanEnterAsync(Root, cancellationToken))
        {
            return LocalDataDirectory;
        }

        var blocking = FirstPrivateAncestor();
        var home = await _tools.ServerAccountHomeAsync(cancellationToken) ?? throw new EmbeddedPostgresSetupException(
            $"PostgreSQL runs as the '{_tools.ServerAccount}' account, which cannot enter {blocking ?? Root} to reach {Root}, and has no home "
            + $"directory to keep its data in instead. Start from a directory that account can reach, or let it through: chmod o+x {blocking ?? Root}");

        // One directory per root, named by the root's path, so every start from this root finds the same cluster.
        var owned = Path.Combine(home, "orleans-tenants");
        var relocated = Path.Combine(owned, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Root)))[..16]);
        Directory.CreateDirectory(relocated);
        await _tools.GiveToServerAccountAsync([owned, relocated], cancellationToken);
        File.SetUnixFileMode(relocated, OwnerReadWrite | UnixFileMode.UserExecute);
        var dataDirectory = Path.Combine(relocated, "data");
        File.WriteAllText(DataLocationFile, dataDirectory);
        return dataDirectory;
    }

    // The directory that keeps the server account out, for the message: the highest one above the root that others may not enter.
    private string? FirstPrivateAncestor()
    {
        var ancestors = new List<string>();
        for (var directory = Path.GetDirectoryName(Root); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            ancestors.Add(directory);
        }

        return ancestors.AsEnumerable().Reverse().FirstOrDefault(directory => !File.GetUnixFileMode(directory).HasFlag(UnixFileMode.OtherExecute));
    }

    private async Task<string> InitializeAsync(bool durable, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory, OwnerReadWrite | UnixFileMode.UserExecute);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        WriteSecret(PasswordFile, password);

        // initdb runs as the server account, which may not read our password file: give it a private copy.
        var scratch = Directory.CreateTempSubdirectory("pg-init-");
        try
        {
            var passwordCopy = Path.Combine(scratch.FullName, "pwfile");
            WriteSecret(passwordCopy, password);
            await _tools.GiveToServerAccountAsync([DataDirectory, scratch.FullName, passwordCopy], cancellationToken);
            await _tools.RunCheckedAsync(
                "initdb",
                [
                    "--pgdata=" + DataDirectory, "--username=postgres", "--pwfile=" + passwordCopy,
                    "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", .. durable ? Array.Empty<string>() : ["--no-sync"],
                ],
                cancellationToken);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }

        return password;
    }

    // A postmaster.pid whose process still runs: a server outlived the process that started it (say its watchdog was killed too).
    private async Task StopStaleServerAsync(ILogger logger, CancellationToken cancellationToken)
    {
        if (!File.Exists(PidFile))
        {
            return;
        }

        if (!await IsServerRunningAsync(cancellationToken))
        {
            return; // A leftover file of a dead server: the postmaster overwrites it.
        }

        Log.StoppingStaleServer(logger, DataDirectory);
        await _tools.RunCheckedAsync("pg_ctl", ["stop", "--pgdata=" + DataDirectory, "--mode=fast", "--wait"], cancellationToken);
    }

    private static void WriteSecret(string path, string secret)
    {
        File.Delete(path); // The create mode applies to new files only.
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerReadWrite });
        using var writer = new StreamWriter(stream);
        writer.Write(secret);
    }
}
