using Microsoft.Extensions.Logging;

namespace OrleansTenants.ClusterLauncher;

/// <summary>A minimal logger onto a <see cref="TextWriter"/> (the launcher's console), Information and up.</summary>
internal sealed class TextWriterLogger(TextWriter writer, string prefix) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        lock (writer)
        {
            writer.WriteLine($"{prefix}{formatter(state, exception)}{(exception is null ? "" : ": " + exception.Message)}");
        }
    }
}
