using System;
using Microsoft.Extensions.Logging;

namespace MemoryRetention.Retention.Tests.Harness
{
    /// <summary>
    /// A logger that does what Microsoft.Extensions.Logging's logger does with scopes: it pushes them onto an
    /// <see cref="IExternalScopeProvider"/>, whose current scope lives in an AsyncLocal and links to its parent.
    /// </summary>
    public sealed class ScopedLogger : ILogger
    {
        private readonly IExternalScopeProvider _scopes;

        public ScopedLogger(IExternalScopeProvider scopes) => _scopes = scopes;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
            => _scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }

    /// <summary>A per-message payload, large enough that keeping thousands of them shows on the heap.</summary>
    public sealed class Payload
    {
        public Payload(int id)
        {
            Id = id;
            Data = new byte[1024];
        }

        public int Id { get; }

        public byte[] Data { get; }

        public override string ToString() => "message " + Id;
    }
}
