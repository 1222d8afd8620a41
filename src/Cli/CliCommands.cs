using System.CommandLine;
using OrleansTenants.Cli.AdminApi;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary>
/// The command tree: its root, the shared options and the admin API plumbing; each command group is a part of its own
/// (<c>CliCommands.*.cs</c>). Every command but <c>migrations apply</c> is one or two admin API calls.
/// </summary>
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
                return await action(new AdminSession(client, _context.Output, CliOutput.Create(_context.Output), parse.GetValue(_json)), parse, ct);
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

    private static Argument<string> TenantIdArgument(string name = "id") =>
        new(name) { Description = "The tenant id (a lower-case slug)." };

    private static Option<string[]> ReplicaOption(string description) =>
        new("--replica") { Description = description, Arity = ArgumentArity.ZeroOrMore };

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;

    /// <summary>What an admin command works with: the client, where to print (lines, and tables on the console), and whether to print JSON.</summary>
    private sealed record AdminSession(AdminClient Client, TextWriter Out, IAnsiConsole Console, bool Json)
    {
        public int WriteJson(string json)
        {
            Out.WriteLine(json.Length == 0 ? "{}" : CliOutput.Indent(json));
            return 0;
        }
    }
}
