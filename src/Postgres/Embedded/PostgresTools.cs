namespace OrleansTenants.Postgres.Embedded;

/// <summary>Runs the PostgreSQL programs of one installation, as the account the server must run under.</summary>
internal sealed class PostgresTools(string binDirectory)
{
    /// <summary>
    /// PostgreSQL refuses to run as root, so as root its programs run as the <c>postgres</c> account
    /// (through runuser); otherwise as the current user. Null means the current user.
    /// </summary>
    public string? ServerAccount { get; } = Environment.UserName == "root" ? "postgres" : null;

    public string PathOf(string program) => Path.Combine(binDirectory, program);

    /// <summary>The command line that runs <paramref name="program"/> as the server account.</summary>
    public IReadOnlyList<string> Command(string program, IEnumerable<string> arguments)
    {
        List<string> command = ServerAccount is null ? [] : ["runuser", "-u", ServerAccount, "--"];
        command.Add(PathOf(program));
        command.AddRange(arguments);
        return command;
    }

    public Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(Command(program, arguments), cancellationToken);

    public Task<string> RunCheckedAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunCheckedAsync(Command(program, arguments), cancellationToken);

    /// <summary>Whether the server account may enter <paramref name="directory"/>: every directory above it must let it through.</summary>
    public async Task<bool> ServerAccountCanEnterAsync(string directory, CancellationToken cancellationToken) =>
        ServerAccount is null
        || (await ProcessRunner.RunAsync(["runuser", "-u", ServerAccount, "--", "test", "-x", directory], cancellationToken)).ExitCode == 0;

    /// <summary>The server account's home directory (from the passwd database), when it has one that exists.</summary>
    public async Task<string?> ServerAccountHomeAsync(CancellationToken cancellationToken)
    {
        if (ServerAccount is null)
        {
            return null;
        }

        // getent passwd: name:password:uid:gid:gecos:home:shell
        var (exitCode, entry) = await ProcessRunner.RunAsync(["getent", "passwd", ServerAccount], cancellationToken);
        var fields = entry.Split(':');
        return exitCode == 0 && fields.Length >= 7 && fields[5].Length > 1 && Directory.Exists(fields[5]) ? fields[5] : null;
    }

    /// <summary>Hands files this process created to the server account; nothing to do unless running as root.</summary>
    public Task GiveToServerAccountAsync(IEnumerable<string> paths, CancellationToken cancellationToken) =>
        ServerAccount is null
            ? Task.CompletedTask
            : ProcessRunner.RunCheckedAsync(["chown", $"{ServerAccount}:", .. paths], cancellationToken);
}
