using System.CommandLine;
using OrleansTenants.Abstractions.Administration;

namespace OrleansTenants.Cli;

/// <summary>The placement options of <c>tenants create</c> and <c>tenants move</c>: the admin API's placement shapes.</summary>
internal sealed class PlacementOptions
{
    public static readonly string[] Modes = ["single", "dedicated", "shared", "sharded"];

    private readonly Option<string> _mode = new("--mode") { Description = "Placement: single, dedicated, shared or sharded.", Required = true };
    private readonly Option<string> _database = new("--database") { Description = "shared: the registered shared database." };
    private readonly Option<string> _shardSet = new("--shard-set") { Description = "sharded: the shard set." };
    private readonly Option<string> _connectionString = new("--connection-string") { Description = "dedicated: the tenant's own database (application role)." };
    private readonly Option<string[]> _replicas = new("--replica") { Description = "dedicated: a read replica's connection string; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
    private readonly Option<bool> _createDatabase = new("--create-database") { Description = "dedicated: let the platform create the database and its roles." };

    private readonly bool _connectionOptions;

    /// <param name="connectionOptions">Whether the command takes a dedicated database's connection settings (one tenant's).</param>
    public PlacementOptions(bool connectionOptions = true)
    {
        _mode.AcceptOnlyFromAmong(Modes);
        _connectionOptions = connectionOptions;
    }

    public void AddTo(Command command)
    {
        Option[] options = _connectionOptions
            ? [_mode, _database, _shardSet, _connectionString, _replicas, _createDatabase]
            : [_mode, _database, _shardSet, _createDatabase];
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }

    public TenantPlacementRequest Read(ParseResult parse) => new(
        parse.GetValue(_mode),
        _connectionOptions ? parse.GetValue(_connectionString) : null,
        _connectionOptions && parse.GetValue(_replicas) is { Length: > 0 } replicas ? replicas : null,
        parse.GetValue(_createDatabase) ? true : null,
        parse.GetValue(_database),
        parse.GetValue(_shardSet));
}
