using System.CommandLine;

namespace OrleansTenants.Cli;

/// <summary>The admin CLI. <see cref="RunAsync(string[], TextWriter, TextWriter)"/> runs it in process (tests do).</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        RunAsync(args, CliContext.FromProcess(output, error));

    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new CliCommands(context).Build();
        // Ctrl-C cancels the command's token and gives it time to save where it got to (tenants move-all does).
        var configuration = new InvocationConfiguration { Output = context.Output, Error = context.Error, ProcessTerminationTimeout = TimeSpan.FromSeconds(10) };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }
}
