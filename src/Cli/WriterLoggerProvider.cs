using Microsoft.Extensions.Logging;

namespace OrleansTenants.Cli;

/// <summary>Log lines as plain text on one writer: <c>info: ...</c>, <c>warning: ...</c>, <c>error: ...</c>.</summary>
internal sealed class WriterLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new WriterLogger(writer);

    public void Dispose()
    {
    }

    private sealed class WriterLogger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var level = logLevel switch
            {
                LogLevel.Information => "info",
                LogLevel.Warning => "warning",
                _ => "error",
            };
            lock (writer)
            {
                writer.WriteLine($"{level}: {formatter(state, exception)}");
            }
        }
    }
}
