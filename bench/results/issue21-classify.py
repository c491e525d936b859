import sys, subprocess, collections
# perf script output: a header line per sample, then frames "\t addr sym (dso)"
data = sys.argv[1]
out = subprocess.run(['perf','script','-i',data,'-F','comm,tid,sym,dso,ip'], capture_output=True, text=True).stdout
samples=[]; cur=None
for line in out.splitlines():
    if not line.strip():
        if cur is not None: samples.append(cur); cur=None
        continue
    if not line.startswith((' ','\t')):
        if cur is not None: samples.append(cur)
        cur=[]
        continue
    parts=line.strip().split(None,1)
    if len(parts)==2 and cur is not None: cur.append(parts[1])
if cur: samples.append(cur)
def cat(fr):
    leaf=fr[0] if fr else ''
    stack=' '.join(fr)
    kernel='kernel.kallsyms' in leaf
    if kernel:
        if 'sendto' in stack or 'sys_writev' in stack or 'do_writev' in stack or 'sys_write ' in stack or 'ksys_write' in stack or 'vfs_writev' in stack: return 'kernel: writev (TCP send and the loopback receive it runs)'
        if 'recvfrom' in stack or 'sys_read' in stack or 'sys_recvmsg' in stack: return 'kernel: reading sockets'
        if 'epoll_wait' in stack or 'select' in stack: return 'kernel: epoll_wait/select'
        if 'futex' in stack: return 'kernel: futex (waking threads)'
        if 'schedule' in stack or 'finish_task_switch' in leaf: return 'kernel: scheduling'
        return 'kernel: other'
    l=leaf
    if 'aws_lc' in l or 'aesni' in l or 'gcm' in l.lower() or 'EVP_' in l or 'skip_iv' in l or 'CRYPTO' in l: return 'AES-GCM (aws-lc)'
    if 'rustls' in l: return 'rustls (records, buffers)'
    if 'tokio' in l: return 'tokio (scheduler, wakers, I/O readiness)'
    if 'tlschat::' in l: return 'tlschat code (room, feed, writers, readers)'
    if 'tlschat' in l: return 'in tlschat binary, other (async glue, alloc, crossbeam): ' + l.split(' (')[0][:60]
    if 'libc.so' in l or 'malloc' in l or 'free' in l or 'memcpy' in l or 'memmove' in l: return 'libc (malloc, memcpy, syscall stubs)'
    if 'crossbeam' in l: return 'tlschat (room, feed, writers, readers)'
    if 'core::' in l or 'alloc::' in l or 'std::' in l: return 'Rust core/alloc/std (inlined glue)'
    return 'other user: '+l.split('(')[-1].rstrip(')')
c=collections.Counter(cat(s) for s in samples)
n=sum(c.values())
print(f"# {n} samples")
for k,v in c.most_common():
    print(f"{100*v/n:5.1f}%  {k}")
