using Microsoft.Extensions.Logging;

namespace OrleansTenants.Postgres.Embedded;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Created a PostgreSQL cluster in {DataDirectory}")]
    public static partial void ClusterCreated(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A PostgreSQL server left running by an earlier process holds {DataDirectory}; stopping it")]
    public static partial void StoppingStaleServer(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port {Port} was taken before PostgreSQL could bind it; retrying on another port")]
    public static partial void PortTaken(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL is up on 127.0.0.1:{Port} (pid {ProcessId}, data {DataDirectory}) after {ElapsedMilliseconds} ms")]
    public static partial void Started(ILogger logger, int port, int processId, string dataDirectory, long elapsedMilliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL on port {Port} stopped")]
    public static partial void Stopped(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Joined the PostgreSQL server that process {OwnerProcessId} runs on 127.0.0.1:{Port} ({DataDirectory}); it stops when that process stops")]
    public static partial void Joined(ILogger logger, int port, int ownerProcessId, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Left the PostgreSQL server on port {Port} running for the process that started it")]
    public static partial void LeftToOwner(ILogger logger, int port);
}
