namespace OrleansTenants.Runtime;

/// <summary>
/// A grain interface whose grains are identified by a string. Methods return <see cref="Task"/>,
/// <see cref="Task{TResult}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{TResult}"/>; a trailing
/// <see cref="CancellationToken"/> parameter is the call's cancellation, not an argument.
/// </summary>
#pragma warning disable CA1040 // Marker: grains keyed by string derive from it, as in Orleans.
public interface IGrainWithStringKey : IGrain;
#pragma warning restore CA1040
