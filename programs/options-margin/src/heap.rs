//! Heap diagnostics. The default bump allocator hands out the 32 KiB heap
//! from its top down and never frees, so every allocation of an
//! instruction counts, including the strings of an eagerly built `error!`
//! (hence `ok_or_else(|| error!(…))` everywhere). Built with
//! `OPTIONS_MARGIN_HEAP_PROBE=1` in the environment, the hot instructions
//! log `heap used: N bytes` when they finish; otherwise this is nothing.

/// Logs how much of the heap this instruction has used (probe builds only).
#[inline(always)]
pub fn log_used() {
    #[cfg(target_os = "solana")]
    if option_env!("OPTIONS_MARGIN_HEAP_PROBE").is_some() {
        // The bump allocator's cursor lives in the heap's first word; it is
        // 0 until the first allocation.
        const HEAP_START: usize = 0x3_0000_0000;
        const HEAP_LENGTH: usize = 32 * 1024;
        // SAFETY: the runtime maps the heap region for every program, and
        // its first word is the allocator's cursor.
        let cursor = unsafe { core::ptr::read_volatile(HEAP_START as *const usize) };
        let used = if cursor == 0 {
            0
        } else {
            HEAP_START + HEAP_LENGTH - cursor
        };
        anchor_lang::prelude::msg!("heap used: {} bytes", used);
    }
}
