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

    /// <summary>Hands files this process created to the server account; nothing to do unless running as root.</summary>
    public Task GiveToServerAccountAsync(IEnumerable<string> paths, CancellationToken cancellationToken) =>
        ServerAccount is null
            ? Task.CompletedTask
            : ProcessRunner.RunCheckedAsync(["chown", $"{ServerAccount}:", .. paths], cancellationToken);
}
