using System.Collections.Immutable;

namespace MemoryRetention.Analyzers.Flow
{
    /// <summary>The member names that add to or remove from a collection, shared by the rules that ask either question.</summary>
    public static class CollectionMembers
    {
        /// <summary>Members that add (or append) an item.</summary>
        public static readonly ImmutableHashSet<string> Adds = ImmutableHashSet.Create(
            "Add", "TryAdd", "GetOrAdd", "AddOrUpdate", "Enqueue", "Push", "Append", "AppendLine", "AppendFormat", "Insert", "AddRange", "AddFirst", "AddLast", "SetItem", "TryPush");

        /// <summary>Members that remove items, shrink or bound a collection.</summary>
        public static readonly ImmutableHashSet<string> Removals = ImmutableHashSet.Create(
            "Remove", "TryRemove", "Clear", "TryDequeue", "Dequeue", "TryPop", "Pop", "RemoveAll", "RemoveAt", "RemoveRange", "RemoveWhere", "RemoveFirst", "RemoveLast", "TrimExcess", "TryTake", "Take", "RemoveMany", "Except", "SymmetricExceptWith", "ExceptWith", "IntersectWith", "Length", "Capacity");
    }
}
