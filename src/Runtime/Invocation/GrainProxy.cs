using System.Reflection;
using OrleansTenants.Runtime.Directory;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>
/// The object behind a grain reference: implements the grain interface by turning each call into a message
/// for the invoker. Built with <see cref="DispatchProxy"/>, so no code generation step is needed.
/// </summary>
#pragma warning disable CA1852 // DispatchProxy derives a type from this class at run time.
internal class GrainProxy : DispatchProxy
#pragma warning restore CA1852
{
    private GrainId _grainId;
    private GrainType _grainType = null!;
    private IGrainCallInvoker _invoker = null!;

    public static T Create<T>(GrainId grainId, GrainType grainType, IGrainCallInvoker invoker)
    {
        var proxy = (GrainProxy)(object)DispatchProxy.Create<T, GrainProxy>()!;
        proxy._grainId = grainId;
        proxy._grainType = grainType;
        proxy._invoker = invoker;
        return (T)(object)proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        if (targetMethod.DeclaringType == typeof(object))
        {
            return targetMethod.Name switch
            {
                nameof(ToString) => _grainId.ToString(),
                nameof(GetHashCode) => _grainId.GetHashCode(),
                nameof(Equals) => args[0] is GrainProxy other && other._grainId == _grainId,
                _ => throw new NotSupportedException(targetMethod.Name),
            };
        }

        var method = _grainType.GetMethod(targetMethod);
        var cancellationToken = method.HasCancellation ? (CancellationToken)args[^1]! : CancellationToken.None;
        var arguments = method.HasCancellation ? args[..^1] : args;
        return method.AdaptResult(_invoker.InvokeAsync(_grainId, _grainType, method, arguments, cancellationToken));
    }
}
