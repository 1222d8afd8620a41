using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// Requests as the web servers of the in-process silos start them (ASP.NET Core's <c>HttpRequestIn.Start</c> diagnostic
/// event): a test can wait until a request it sent has reached a silo, and not merely left the client.
/// </summary>
internal sealed class ArrivingRequests : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private const string RequestStarted = "Microsoft.AspNetCore.Hosting.HttpRequestIn.Start";
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _awaited = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<IDisposable> _subscriptions = [];

    public ArrivingRequests() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    /// <summary>Completes when a request for <paramref name="path"/> has started on a silo (call before sending it).</summary>
    public Task ArrivalOf(string path) =>
        _awaited.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.AspNetCore")
        {
            _subscriptions.Add(listener.Subscribe(this, name => name.StartsWith("Microsoft.AspNetCore.Hosting.HttpRequestIn", StringComparison.Ordinal)));
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Key == RequestStarted && value.Value is HttpContext context && _awaited.TryGetValue(context.Request.Path.Value ?? "", out var arrival))
        {
            arrival.TrySetResult();
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }
}
