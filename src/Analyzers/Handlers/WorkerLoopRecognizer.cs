using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using static MemoryRetention.Analyzers.Handlers.TypeRelations;

namespace MemoryRetention.Analyzers.Handlers
{
    /// <summary>
    /// Worker-loop recognition: is a loop's body run once per message, tick or item (a cancellation-checked or
    /// endless loop in a once-per-process entry point, a PeriodicTimer / channel read loop, a Kafka consume loop).
    /// The shape answer is cached per loop syntax; thread-safe.
    /// </summary>
    internal sealed class WorkerLoopRecognizer
    {
        private readonly HandlerCatalogSymbols _symbols;
        private readonly ConcurrentDictionary<SyntaxNode, bool> _loopCache = new ConcurrentDictionary<SyntaxNode, bool>();

        public WorkerLoopRecognizer(HandlerCatalogSymbols symbols)
        {
            _symbols = symbols;
        }

        /// <summary>True when <paramref name="loop"/> is a worker loop: its body runs once per message, tick or item.</summary>
        public bool IsWorkerLoop(ILoopOperation loop, HandlerEntryPoint? enclosingEntryPoint, CancellationToken cancellationToken = default)
        {
            if (loop.Syntax is null)
            {
                return false;
            }

            var shape = _loopCache.GetOrAdd(loop.Syntax, _ => HasWorkerLoopShape(loop, cancellationToken));
            if (shape)
            {
                return true;
            }

            // Inside a once-per-process entry point (ExecuteAsync), an endless loop or an `await foreach` is the worker loop.
            if (enclosingEntryPoint is { RunsOnce: true })
            {
                switch (loop)
                {
                    case IWhileLoopOperation whileLoop:
                        return whileLoop.Condition is null || whileLoop.Condition.ConstantValue is { HasValue: true, Value: true } || MentionsCancellation(whileLoop.Condition);
                    case IForLoopOperation forLoop:
                        return forLoop.Condition is null || forLoop.Condition.ConstantValue is { HasValue: true, Value: true };
                    case IForEachLoopOperation forEach:
                        return forEach.IsAsynchronous;
                }
            }

            return false;
        }

        public ILoopOperation? FirstWorkerLoop(List<ILoopOperation> loopsInnermostFirst, HandlerEntryPoint? entry, CancellationToken cancellationToken)
        {
            foreach (var loop in loopsInnermostFirst)
            {
                if (IsWorkerLoop(loop, entry, cancellationToken))
                {
                    return loop;
                }
            }

            return null;
        }

        public static bool IsInLoopBody(ILoopOperation loop, IOperation child)
        {
            if (ReferenceEquals(loop.Body, child))
            {
                return true;
            }

            // `await foreach (var x in …)`: the iteration variable belongs to the body too; the collection does not.
            return loop is IForEachLoopOperation forEach
                && !ReferenceEquals(forEach.Collection, child)
                && ReferenceEquals(forEach.LoopControlVariable, child);
        }

        private bool HasWorkerLoopShape(ILoopOperation loop, CancellationToken cancellationToken)
        {
            switch (loop)
            {
                case IWhileLoopOperation whileLoop when whileLoop.Condition is not null:
                    if (MentionsCancellation(whileLoop.Condition) || CallsAny(whileLoop.Condition, IsWaitForTickOrRead))
                    {
                        return true;
                    }

                    break;
                case IForEachLoopOperation { IsAsynchronous: true } forEach:
                    if (CallsAny(forEach.Collection, m => _symbols.ChannelReader is not null && m.Name == "ReadAllAsync" && InheritsOrEquals(m.ContainingType?.OriginalDefinition, _symbols.ChannelReader)))
                    {
                        return true;
                    }

                    break;
            }

            // A loop whose body calls Kafka's IConsumer<TKey,TValue>.Consume is a consume loop.
            if (_symbols.KafkaConsumer is not null && loop.Body is not null)
            {
                foreach (var descendant in loop.Body.Descendants())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (descendant is IInvocationOperation invocation
                        && invocation.TargetMethod.Name == "Consume"
                        && ImplementsOrEquals(invocation.TargetMethod.ContainingType?.OriginalDefinition, _symbols.KafkaConsumer))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        private bool IsWaitForTickOrRead(IMethodSymbol method)
        {
            var type = method.ContainingType?.OriginalDefinition;
            if (method.Name == "WaitForNextTickAsync" && _symbols.PeriodicTimer is not null && SymbolEqualityComparer.Default.Equals(type, _symbols.PeriodicTimer))
            {
                return true;
            }

            return method.Name == "WaitToReadAsync" && _symbols.ChannelReader is not null && InheritsOrEquals(type, _symbols.ChannelReader);
        }

        private bool MentionsCancellation(IOperation condition)
        {
            foreach (var node in condition.DescendantsAndSelf())
            {
                if (node is IPropertyReferenceOperation property
                    && property.Property.Name == "IsCancellationRequested"
                    && _symbols.CancellationToken is not null
                    && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, _symbols.CancellationToken))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool CallsAny(IOperation operation, Func<IMethodSymbol, bool> predicate)
        {
            foreach (var node in operation.DescendantsAndSelf())
            {
                if (node is IInvocationOperation invocation && predicate(invocation.TargetMethod))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
