using System.Net.Sockets;
using Npgsql;

namespace OrleansTenants.Postgres;

/// <summary>Which database errors mean "unreachable for now", and how to describe them without secrets.</summary>
public static class DatabaseErrors
{
    /// <summary>Connection-level failures (the database is down, refuses, or rejects our credentials): they open the circuit.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("28", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.InvalidCatalogName,
        NpgsqlException npgsql => npgsql.InnerException is SocketException or TimeoutException or EndOfStreamException or IOException || npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>A statement that ran past the tenant's statement timeout.</summary>
    public static bool IsStatementTimeout(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };

    /// <summary>
    /// The tenant's database lacks what the CRM needs (schema missing or behind, privileges not granted): it needs an
    /// operator, not the client, so it is a 503 like an outage, without tripping the breaker.
    /// </summary>
    public static bool IsNotReady(Exception exception) =>
        exception is PostgresException
        {
            SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedFunction
                or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.InsufficientPrivilege,
        };

    /// <summary>What a tenant API client may see: the error's code, never the server's message (it names roles and databases).</summary>
    public static string Code(Exception exception) => exception switch
    {
        PostgresException postgres => $"SQLSTATE {postgres.SqlState}",
        NpgsqlException { InnerException: SocketException socket } => $"cannot connect: {socket.SocketErrorCode}",
        NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timed out",
        _ => exception.GetType().Name,
    };

    /// <summary>The error's class and message, for operators (logs, the admin API): Npgsql and PostgreSQL never put passwords in them.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException { InnerException: SocketException socket } => $"cannot connect: {socket.SocketErrorCode}",
        _ => exception.Message,
    };
}
