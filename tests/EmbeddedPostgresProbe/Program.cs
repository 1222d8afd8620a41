using Microsoft.Extensions.Logging.Abstractions;
using OrleansTenants.Postgres.Embedded;

// Usage: EmbeddedPostgresProbe <root directory>. Prints "<postmaster pid> <port>", then waits to be killed.
var server = await EmbeddedPostgres.StartAsync(
    new EmbeddedPostgresOptions { RootDirectory = args[0], Durable = false }, NullLogger.Instance);
Console.WriteLine($"{server.ServerProcessId} {server.Port}");
await Task.Delay(Timeout.Infinite);
