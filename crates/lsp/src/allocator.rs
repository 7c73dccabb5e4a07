//! mimalloc as the global allocator, asked for plain blocks wherever a
//! word's alignment is enough: the `mimalloc` crate asks for every block by
//! alignment (`mi_malloc_aligned`), a slower path that also over-allocates
//! when the free block at hand does not suit. Rendering, parsing and
//! analysis allocate millions of small values per cold check.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

pub struct MiMalloc;

/// mimalloc aligns every block to at least a word.
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: each method hands the layout to the mimalloc call that honours
// it; blocks from any of them are freed and resized by mimalloc alone.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            mi::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
        }
    }
}
