using System.Reflection;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>
/// Bridges the four supported return shapes (Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;) and the
/// runtime's uniform <c>Task&lt;object?&gt;</c>: boxing on the grain side, unboxing on the proxy side.
/// </summary>
internal static class GrainResultAdapter
{
    public static Type? GetResultType(Type returnType, MethodInfo method)
    {
        if (returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return null;
        }

        if (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        throw new InvalidOperationException(
            $"Grain method {method.DeclaringType?.Name}.{method.Name} must return Task, Task<T>, ValueTask or ValueTask<T>, not {returnType.Name}.");
    }

    /// <summary>A static method that awaits the grain method's return value and boxes its result.</summary>
    public static MethodInfo GetBoxingAwaiter(Type returnType, MethodInfo method)
    {
        var resultType = GetResultType(returnType, method);
        if (returnType == typeof(Task))
        {
            return Method(nameof(AwaitTask));
        }

        if (returnType == typeof(ValueTask))
        {
            return Method(nameof(AwaitValueTask));
        }

        return returnType.GetGenericTypeDefinition() == typeof(Task<>)
            ? Method(nameof(AwaitTaskOf)).MakeGenericMethod(resultType!)
            : Method(nameof(AwaitValueTaskOf)).MakeGenericMethod(resultType!);
    }

    public static Func<Task<object?>, object> Create(Type returnType)
    {
        if (returnType == typeof(Task))
        {
            return task => task;
        }

        if (returnType == typeof(ValueTask))
        {
            return task => new ValueTask(task);
        }

        var resultType = returnType.GetGenericArguments()[0];
        var converter = returnType.GetGenericTypeDefinition() == typeof(Task<>)
            ? Method(nameof(ToTaskOf)).MakeGenericMethod(resultType)
            : Method(nameof(ToValueTaskOf)).MakeGenericMethod(resultType);
        return converter.CreateDelegate<Func<Task<object?>, object>>();
    }

    private static MethodInfo Method(string name) =>
        typeof(GrainResultAdapter).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static async Task<object?> AwaitTask(Task task)
    {
        await task;
        return null;
    }

    private static async Task<object?> AwaitValueTask(ValueTask task)
    {
        await task;
        return null;
    }

    private static async Task<object?> AwaitTaskOf<T>(Task<T> task) => await task;

    private static async Task<object?> AwaitValueTaskOf<T>(ValueTask<T> task) => await task;

    private static Task<T> ToTaskOf<T>(Task<object?> task) => Unbox<T>(task);

    // Boxed on purpose: the proxy hands DispatchProxy an object whatever the declared return type.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Bound to Func<Task<object?>, object>.")]
    private static object ToValueTaskOf<T>(Task<object?> task) => new ValueTask<T>(Unbox<T>(task));

    private static async Task<T> Unbox<T>(Task<object?> task) => (T)(await task)!;
}
