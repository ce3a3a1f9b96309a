using System.Threading.Tasks;
using MemoryRetention.Analyzers.Tests.Verifiers;
using Xunit;
using VerifyCollections = MemoryRetention.Analyzers.Tests.Verifiers.Verify<
    MemoryRetention.Analyzers.Rules.GrowingCollectionAnalyzer,
    MemoryRetention.CodeFixes.GrowingCollectionCodeFix>;

namespace MemoryRetention.Analyzers.Tests.Rules
{
    /// <summary>MEM002 shapes from the recall issue: Akka ReceiveActor handlers, closed key sets, observer sets.</summary>
    public class MEM002ShapesTests
    {
        [Fact]
        public Task AkkaReceiveActor_LambdasAndMethodGroupsRegisteredInTheConstructor_AreHandlers()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using System.Threading.Tasks;
using Akka.Actor;
using Akka.Persistence;

public sealed class Seen { public string Id { get; set; } }

public sealed class Tracker : ReceiveActor
{
    private readonly List<string> _ids = new List<string>();
    private readonly Dictionary<string, int> _counts = new Dictionary<string, int>();
    private readonly HashSet<string> _async = new HashSet<string>();
    private readonly List<object> _any = new List<object>();

    public Tracker()
    {
        _ids.Add(""seed"");                                     // construction: once
        Receive<Seen>(m => {|MEM002:_ids.Add(m.Id)|});
        Receive<string>(OnText);
        ReceiveAsync<int>(async n => { {|MEM002:_async.Add(n.ToString())|}; await Task.Yield(); });
        ReceiveAny(o => {|MEM002:_any.Add(o)|});
    }

    private void OnText(string s) => {|MEM002:_counts[s] = 1|};
}

public sealed class Journal : ReceivePersistentActor
{
    private readonly List<string> _events = new List<string>();
    private readonly List<string> _commands = new List<string>();
    public override string PersistenceId => ""journal"";

    public Journal()
    {
        Command<string>(c => {|MEM002:_commands.Add(c)|});
        Recover<string>(OnRecover);
    }

    private void OnRecover(string e) => {|MEM002:_events.Add(e)|};
}", Packages.Akka);

        [Fact]
        public Task AkkaReceiveActor_LookAlikes_AreNotFlagged()
            => VerifyCollections.DiagnosticsAsync(@"
using System.Collections.Generic;
using Akka.Actor;

public sealed class Reset { }

public sealed class Tracker : ReceiveActor
{
    private readonly List<string> _ids = new List<string>();
    private readonly List<string> _names = new List<string>();
    private readonly List<string> _seeds = new List<string>();

    public Tracker()
    {
        _seeds.Add(""a"");                                      // construction only
        Receive<string>(s => _ids.Add(s));
        Receive<Reset>(_ => _ids.Clear());                     // bounded by the Reset message
    }

    private void NotRegistered(string s) => _names.Add(s);     // never handed to Receive
}", Packages.Akka);
    }
}
