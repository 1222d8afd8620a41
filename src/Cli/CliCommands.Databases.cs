using System.CommandLine;
using System.Globalization;
using OrleansTenants.Abstractions.Administration;

namespace OrleansTenants.Cli;

/// <summary><c>databases</c> and <c>shard-sets</c>: the databases tenants can be placed on.</summary>
internal sealed partial class CliCommands
{
    private Command Databases()
    {
        var databases = new Command("databases", "Register and list databases tenants can be placed on.");

        var list = new Command("list", "List registered databases (never their connection settings).");
        Admin(list, async (s, _, ct) =>
        {
            var response = await s.Client.ListDatabasesAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Count == 0)
            {
                s.Out.WriteLine("No databases.");
                return 0;
            }

            var table = s.Console.Table("NAME", "KIND", "SHARD SET", "SHARD", "CREATED");
            foreach (var d in response.Value.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                table.Row(d.Name, d.Kind, d.ShardSet, d.ShardIndex?.ToString(CultureInfo.InvariantCulture), CliOutput.Time(d.CreatedAt));
            }

            s.Console.Write(table);
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The database's name in the catalog ('main' is single mode's database)." };
        var connectionString = new Option<string>("--connection-string") { Description = "Connection string tenants use (application role).", Required = true };
        var replicas = ReplicaOption("A read replica's connection string; repeat for several.");
        var migration = new Option<string>("--migration-connection-string") { Description = "Connection string tenant migrations run as (the owner role); default: the application one." };
        var add = new Command("add", "Register a database tenants can share; tenant migrations are applied to it.") { name, connectionString, replicas, migration };
        Admin(add, async (s, p, ct) =>
        {
            var response = await s.Client.RegisterDatabaseAsync(
                new RegisterDatabaseRequest(p.GetValue(name), p.GetValue(connectionString), NullIfEmpty(p.GetValue(replicas)), p.GetValue(migration)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Registered database {response.Value.Name} ({response.Value.Kind}); tenant migrations applied.");
            return 0;
        });

        databases.Subcommands.Add(list);
        databases.Subcommands.Add(add);
        return databases;
    }

    private Command ShardSets()
    {
        var name = new Argument<string>("name") { Description = "The shard set's name." };
        var databases = new Argument<string[]>("database") { Description = "Registered shared databases, in shard order.", Arity = ArgumentArity.OneOrMore };
        var create = new Command("create", "Group registered shared databases into a shard set.") { name, databases };
        Admin(create, async (s, p, ct) =>
        {
            var response = await s.Client.CreateShardSetAsync(new CreateShardSetRequest(p.GetValue(name), p.GetValue(databases)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Created shard set {response.Value.Name}: {string.Join(", ", response.Value.Databases)}.");
            return 0;
        });

        var shardSets = new Command("shard-sets", "Shard sets: databases sharded tenants are spread over.");
        shardSets.Subcommands.Add(create);
        return shardSets;
    }
}
